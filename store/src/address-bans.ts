import { canvasKeys } from '@tessera/protocol';
import { adminKeys, AUDIT_MAX_LENGTH, type AuditRecord } from './admin-keys.js';
import { banActive } from './bans.js';
import { callScript, defineScript } from './lua-scripts.js';
import type { RedisConnection } from './redis-connection.js';

/**
 * Bans of address prefixes. A guest who clears storage is a new user, so a user ban cannot stop
 * them; an address ban can. Prefixes arrive canonical (the gateway's address-prefix.ts writes
 * them), so a lookup is an exact HMGET of the few prefixes that cover an address.
 */
export interface StoredAddressBan {
  /** Canonical prefix: `10.0.0.0/24`, `1.2.3.4/32`, `2001:db8:1:2::/64`. */
  readonly prefix: string;
  /** Epoch ms when the ban ends; 0: never. */
  readonly expiresAt: number;
  readonly reason: string;
  readonly by: string;
  readonly at: number;
}

/** Bans a prefix (see ban-address-3.lua); durationMs 0 bans forever; banning again replaces it. */
export async function banAddress(
  redis: RedisConnection,
  canvasId: string,
  ban: { readonly prefix: string; readonly durationMs: number; readonly reason: string },
  audit: AuditRecord,
): Promise<StoredAddressBan> {
  defineScript(redis, 'tesseraBanAddress');
  const [expiresAt, at] = await callScript<[number, number, string]>(redis, 'tesseraBanAddress', [
    canvasKeys(canvasId).addressBans,
    adminKeys(canvasId).addressBanDetails,
    canvasKeys(canvasId).audit,
    ban.prefix,
    ban.durationMs,
    ban.reason,
    AUDIT_MAX_LENGTH,
    audit.actor,
    JSON.stringify(audit.details),
  ]);
  return { prefix: ban.prefix, expiresAt, reason: ban.reason, by: audit.actor, at };
}

/** Lifts a prefix's ban; false when it was not banned. */
export async function unbanAddress(redis: RedisConnection, canvasId: string, prefix: string, audit: AuditRecord): Promise<boolean> {
  defineScript(redis, 'tesseraUnbanAddress');
  const [removed] = await callScript<[number, string]>(redis, 'tesseraUnbanAddress', [
    canvasKeys(canvasId).addressBans,
    adminKeys(canvasId).addressBanDetails,
    canvasKeys(canvasId).audit,
    prefix,
    AUDIT_MAX_LENGTH,
    audit.actor,
    JSON.stringify(audit.details),
  ]);
  return removed === 1;
}

/** Whether any of an address's covering prefixes is banned now (the handshake check). */
export async function isAddressBanned(redis: RedisConnection, canvasId: string, prefixes: readonly string[], now = Date.now()): Promise<boolean> {
  if (prefixes.length === 0) return false;
  const expiries = await redis.hmget(canvasKeys(canvasId).addressBans, ...prefixes);
  return expiries.some((expiry) => expiry !== null && banActive(Number(expiry), now));
}

/** Address bans in force, newest first (expired entries stay in the hashes, harmless, until a re-ban or unban). */
export async function listAddressBans(redis: RedisConnection, canvasId: string, now = Date.now()): Promise<StoredAddressBan[]> {
  const [expiries, details] = await Promise.all([redis.hgetall(canvasKeys(canvasId).addressBans), redis.hgetall(adminKeys(canvasId).addressBanDetails)]);
  const bans: StoredAddressBan[] = [];
  for (const [prefix, value] of Object.entries(expiries)) {
    const expiresAt = Number(value);
    if (!banActive(expiresAt, now)) continue;
    let info: Record<string, unknown> = {};
    try {
      info = JSON.parse(details[prefix] ?? '{}') as Record<string, unknown>;
    } catch {
      // a ban written by hand: expiry only
    }
    bans.push({
      prefix,
      expiresAt,
      reason: typeof info.reason === 'string' ? info.reason : '',
      by: typeof info.by === 'string' ? info.by : '',
      at: typeof info.at === 'number' ? info.at : 0,
    });
  }
  return bans.sort((a, b) => b.at - a.at || a.prefix.localeCompare(b.prefix));
}

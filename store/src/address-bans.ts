import { AuditAction, canvasKeys } from '@tessera/protocol';
import { adminKeys, type AuditRecord } from './admin-keys.js';
import { banActive, liftBan, readBansInForce, writeBan, type BanLedger, type LedgerBan } from './ban-ledger.js';
import type { RedisConnection } from './redis-connection.js';

/**
 * Bans of address prefixes. A guest who clears storage is a new user, so a user ban cannot stop
 * them; an address ban can. Prefixes arrive canonical (the gateway's address-prefix.ts writes
 * them), so a lookup is an exact HMGET of the few prefixes that cover an address.
 */
export interface StoredAddressBan extends Omit<LedgerBan, 'field'> {
  /** Canonical prefix: `10.0.0.0/24`, `1.2.3.4/32`, `2001:db8:1:2::/64`. */
  readonly prefix: string;
}

function addressBans(canvasId: string): BanLedger {
  const keys = canvasKeys(canvasId);
  return {
    expiries: keys.addressBans,
    details: adminKeys(canvasId).addressBanDetails,
    audit: keys.audit,
    banAction: AuditAction.AddressBan,
    unbanAction: AuditAction.AddressUnban,
  };
}

/** Bans a prefix (see ban-3.lua); durationMs 0 bans forever; banning again replaces it. */
export async function banAddress(
  redis: RedisConnection,
  canvasId: string,
  ban: { readonly prefix: string; readonly durationMs: number; readonly reason: string },
  audit: AuditRecord,
): Promise<StoredAddressBan> {
  const { field, ...stored } = await writeBan(redis, addressBans(canvasId), { field: ban.prefix, durationMs: ban.durationMs, reason: ban.reason }, audit);
  return { prefix: field, ...stored };
}

/** Lifts a prefix's ban; false when it was not banned. */
export async function unbanAddress(redis: RedisConnection, canvasId: string, prefix: string, audit: AuditRecord): Promise<boolean> {
  return liftBan(redis, addressBans(canvasId), prefix, audit);
}

/** Whether any of an address's covering prefixes is banned now (the handshake check). */
export async function isAddressBanned(redis: RedisConnection, canvasId: string, prefixes: readonly string[], now = Date.now()): Promise<boolean> {
  if (prefixes.length === 0) return false;
  const expiries = await redis.hmget(canvasKeys(canvasId).addressBans, ...prefixes);
  return expiries.some((expiry) => expiry !== null && banActive(Number(expiry), now));
}

/** Address bans in force, newest first (expired entries stay in the hashes, harmless, until a re-ban or unban). */
export async function listAddressBans(redis: RedisConnection, canvasId: string, now = Date.now()): Promise<StoredAddressBan[]> {
  return (await readBansInForce(redis, addressBans(canvasId), now)).map(({ field, ...stored }) => ({ prefix: field, ...stored }));
}

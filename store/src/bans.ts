import { canvasKeys } from '@tessera/protocol';
import type { RedisConnection } from './redis-connection.js';
import { adminKeys, AUDIT_MAX_LENGTH, type AuditRecord } from './admin-keys.js';
import { callScript, defineScript } from './lua-scripts.js';

export interface StoredBan {
  readonly userId: string;
  /** Epoch ms when the ban ends; 0: never. */
  readonly expiresAt: number;
  readonly reason: string;
  readonly by: string;
  readonly at: number;
}

/** Bans a user (see ban-user-3.lua); durationMs 0 bans forever. */
export async function banUser(
  redis: RedisConnection,
  canvasId: string,
  ban: { readonly userId: string; readonly durationMs: number; readonly reason: string },
  audit: AuditRecord,
): Promise<StoredBan> {
  defineScript(redis, 'tesseraBanUser');
  const keys = canvasKeys(canvasId);
  const [expiresAt, at] = await callScript<[number, number, string]>(redis, 'tesseraBanUser', [
    keys.bans,
    adminKeys(canvasId).banDetails,
    keys.audit,
    ban.userId,
    ban.durationMs,
    ban.reason,
    AUDIT_MAX_LENGTH,
    audit.actor,
    JSON.stringify(audit.details),
  ]);
  return { userId: ban.userId, expiresAt, reason: ban.reason, by: audit.actor, at };
}

/** Lifts a ban; false when the user was not banned. */
export async function unbanUser(redis: RedisConnection, canvasId: string, userId: string, audit: AuditRecord): Promise<boolean> {
  defineScript(redis, 'tesseraUnbanUser');
  const keys = canvasKeys(canvasId);
  const [removed] = await callScript<[number, string]>(redis, 'tesseraUnbanUser', [
    keys.bans,
    adminKeys(canvasId).banDetails,
    keys.audit,
    userId,
    AUDIT_MAX_LENGTH,
    audit.actor,
    JSON.stringify(audit.details),
  ]);
  return removed === 1;
}

/** True when the user is banned at `now` (epoch ms). */
export function banActive(expiresAt: number, now: number): boolean {
  return expiresAt === 0 || expiresAt > now;
}

/** Whether a user is banned now (the handshake check; placements are judged in Redis). */
export async function isUserBanned(redis: RedisConnection, canvasId: string, userId: string, now = Date.now()): Promise<boolean> {
  const expiry = await redis.hget(canvasKeys(canvasId).bans, userId);
  return expiry !== null && banActive(Number(expiry), now);
}

/** Bans in force, newest first (expired entries stay in the hashes, harmless, until a re-ban or unban). */
export async function listBans(redis: RedisConnection, canvasId: string, now = Date.now()): Promise<StoredBan[]> {
  const keys = canvasKeys(canvasId);
  const detailsKey = adminKeys(canvasId).banDetails;
  const [expiries, details] = await Promise.all([redis.hgetall(keys.bans), redis.hgetall(detailsKey)]);
  const bans: StoredBan[] = [];
  for (const [userId, value] of Object.entries(expiries)) {
    const expiresAt = Number(value);
    if (!banActive(expiresAt, now)) continue;
    let info: Record<string, unknown> = {};
    try {
      info = JSON.parse(details[userId] ?? '{}') as Record<string, unknown>;
    } catch {
      // a ban written by hand: expiry only
    }
    bans.push({
      userId,
      expiresAt,
      reason: typeof info.reason === 'string' ? info.reason : '',
      by: typeof info.by === 'string' ? info.by : '',
      at: typeof info.at === 'number' ? info.at : 0,
    });
  }
  return bans.sort((a, b) => b.at - a.at || a.userId.localeCompare(b.userId));
}

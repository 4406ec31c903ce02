import { AuditAction, canvasKeys } from '@tessera/protocol';
import type { RedisConnection } from './redis-connection.js';
import { adminKeys, type AuditRecord } from './admin-keys.js';
import { banActive, liftBan, readBansInForce, writeBan, type BanLedger, type LedgerBan } from './ban-ledger.js';

export interface StoredBan extends Omit<LedgerBan, 'field'> {
  readonly userId: string;
}

function userBans(canvasId: string): BanLedger {
  const keys = canvasKeys(canvasId);
  return { expiries: keys.bans, details: adminKeys(canvasId).banDetails, audit: keys.audit, banAction: AuditAction.Ban, unbanAction: AuditAction.Unban };
}

/** Bans a user (see ban-3.lua); durationMs 0 bans forever. */
export async function banUser(
  redis: RedisConnection,
  canvasId: string,
  ban: { readonly userId: string; readonly durationMs: number; readonly reason: string },
  audit: AuditRecord,
): Promise<StoredBan> {
  const { field, ...stored } = await writeBan(redis, userBans(canvasId), { field: ban.userId, durationMs: ban.durationMs, reason: ban.reason }, audit);
  return { userId: field, ...stored };
}

/** Lifts a ban; false when the user was not banned. */
export async function unbanUser(redis: RedisConnection, canvasId: string, userId: string, audit: AuditRecord): Promise<boolean> {
  return liftBan(redis, userBans(canvasId), userId, audit);
}

/** Whether a user is banned now (the handshake check; placements are judged in Redis). */
export async function isUserBanned(redis: RedisConnection, canvasId: string, userId: string, now = Date.now()): Promise<boolean> {
  const expiry = await redis.hget(canvasKeys(canvasId).bans, userId);
  return expiry !== null && banActive(Number(expiry), now);
}

/** Bans in force, newest first (expired entries stay in the hashes, harmless, until a re-ban or unban). */
export async function listBans(redis: RedisConnection, canvasId: string, now = Date.now()): Promise<StoredBan[]> {
  return (await readBansInForce(redis, userBans(canvasId), now)).map(({ field, ...stored }) => ({ userId: field, ...stored }));
}

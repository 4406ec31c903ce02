import { canvasKeys } from '@tessera/protocol';
import { callScript } from './lua-scripts.js';
import type { RedisConnection } from './redis-connection.js';

/** How long a user's address record outlives their last connection. */
const SESSIONS_TTL_S = 30 * 24 * 3600;
/** Addresses kept per user: a bot hopping addresses cannot grow its record without bound. */
const MAX_ADDRESSES = 200;

export interface ConnectionRecord {
  readonly userId: string;
  /** The display name an account's token carries; undefined for guests. */
  readonly displayName: string | undefined;
  /** The canonical address (the address-ban key: an IPv4 address or an IPv6 prefix). */
  readonly address: string;
  readonly at: number;
}

export interface SessionRecord {
  readonly address: string;
  readonly firstSeen: number;
  readonly lastSeen: number;
}

/**
 * Records a connection (record-connection-2.lua, one round trip): the display name (per
 * connection, not per placement, so the placement path stays lean) and the address with first and
 * last seen. False when the user already has MAX_ADDRESSES other addresses and this one was left out.
 */
export async function recordConnection(redis: RedisConnection, canvasId: string, record: ConnectionRecord): Promise<boolean> {
  const keys = canvasKeys(canvasId);
  const recorded = await callScript<number>(redis, 'tesseraRecordConnection', [
    keys.userProfiles,
    keys.userSessions(record.userId),
    record.userId,
    record.displayName ?? '',
    record.address,
    record.at,
    MAX_ADDRESSES,
    SESSIONS_TTL_S,
  ]);
  return recorded === 1;
}

/** Display names of accounts (absent: a guest, an admin, or an account never seen connecting). */
export async function readDisplayNames(redis: RedisConnection, canvasId: string, userIds: readonly string[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  if (userIds.length === 0) return names;
  const values = await redis.hmget(canvasKeys(canvasId).userProfiles, ...userIds);
  userIds.forEach((userId, i) => {
    const value = values[i];
    if (value) names.set(userId, value);
  });
  return names;
}

/** A user's addresses, most recently seen first. */
export async function readSessions(redis: RedisConnection, canvasId: string, userId: string): Promise<SessionRecord[]> {
  const hash = await redis.hgetall(canvasKeys(canvasId).userSessions(userId));
  return Object.entries(hash)
    .map(([address, value]) => parseSession(address, value))
    .filter((session): session is SessionRecord => session !== undefined)
    .sort((a, b) => b.lastSeen - a.lastSeen);
}

function parseSession(address: string, value: string | null | undefined): SessionRecord | undefined {
  const match = value ? /^(\d+):(\d+)$/.exec(value) : null;
  return match ? { address, firstSeen: Number(match[1]), lastSeen: Number(match[2]) } : undefined;
}

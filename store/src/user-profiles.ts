import { canvasKeys } from '@tessera/protocol';
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
 * Records a connection: the display name (per connection, not per placement, so the placement
 * path stays lean) and the address with first and last seen.
 */
export async function recordConnection(redis: RedisConnection, canvasId: string, record: ConnectionRecord): Promise<void> {
  const keys = canvasKeys(canvasId);
  const sessions = keys.userSessions(record.userId);
  const previous = await redis.hget(sessions, record.address);
  const firstSeen = parseSession(record.address, previous)?.firstSeen ?? record.at;
  const pipeline = redis.pipeline();
  if (record.displayName !== undefined) pipeline.hset(keys.userProfiles, record.userId, record.displayName);
  if (previous !== null || (await redis.hlen(sessions)) < MAX_ADDRESSES) pipeline.hset(sessions, record.address, `${firstSeen}:${record.at}`);
  pipeline.expire(sessions, SESSIONS_TTL_S);
  await pipeline.exec();
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

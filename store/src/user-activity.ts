import { canvasKeys, MODERATION_LIMITS } from '@tessera/protocol';
import type { PlacementEvent } from './event-stream.js';
import type { RedisConnection } from './redis-connection.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
/**
 * A user's totals and newest placements outlive their last placement by a week (3.5 KB for a user
 * with 100 placements, measured), so a big event's million guests do not stay in Redis for ever.
 */
const USER_RECORD_TTL_S = 7 * 24 * 3600;
/** Hourly top-placer sets live one hour longer than the window they serve. */
const HOURLY_TTL_S = (MODERATION_LIMITS.activityHours + 1) * 3600;

export interface UserActivity {
  readonly placements: number;
  readonly firstPlacedAt: number | null;
  readonly lastPlacedAt: number | null;
  readonly perMinute: { minute: number; count: number }[];
  readonly recent: { x: number; y: number; color: number; at: number }[];
}

/**
 * Folds a batch of placement events into per-user counters (one pipeline): totals, first and last
 * placement, per-minute counts, the newest placements, and the hourly and all-time top-placer
 * sets. Admin paints are not placements and are left out. Event times are their stream ids.
 */
export async function recordPlacements(redis: RedisConnection, canvasId: string, events: readonly PlacementEvent[]): Promise<void> {
  const keys = canvasKeys(canvasId);
  const users = new Map<string, { count: number; first: number; last: number; minutes: Map<number, number>; hours: Map<number, number>; recent: string[] }>();
  for (const event of events) {
    if (event.userId === '' || event.userId.startsWith('admin:')) continue;
    const at = event.position.ms;
    let user = users.get(event.userId);
    if (!user) users.set(event.userId, (user = { count: 0, first: at, last: at, minutes: new Map(), hours: new Map(), recent: [] }));
    user.count++;
    user.last = Math.max(user.last, at);
    const minute = Math.floor(at / MINUTE_MS) * MINUTE_MS;
    user.minutes.set(minute, (user.minutes.get(minute) ?? 0) + 1);
    const hour = Math.floor(at / HOUR_MS);
    user.hours.set(hour, (user.hours.get(hour) ?? 0) + 1);
    user.recent.push(`${event.x},${event.y},${event.color},${at}`);
  }
  if (users.size === 0) return;
  const pipeline = redis.pipeline();
  const hoursTouched = new Set<number>();
  for (const [userId, user] of users) {
    const activity = keys.userActivity(userId);
    pipeline.hincrby(activity, 'placements', user.count);
    pipeline.hsetnx(activity, 'firstAt', user.first);
    pipeline.hset(activity, 'lastAt', user.last);
    pipeline.expire(activity, USER_RECORD_TTL_S);
    const minutes = keys.userMinutes(userId);
    for (const [minute, count] of user.minutes) pipeline.hincrby(minutes, String(minute), count);
    pipeline.expire(minutes, MODERATION_LIMITS.activityHours * 3600);
    const recent = keys.userRecent(userId);
    pipeline.lpush(recent, ...user.recent.slice(-MODERATION_LIMITS.recentPlacements));
    pipeline.ltrim(recent, 0, MODERATION_LIMITS.recentPlacements - 1);
    pipeline.expire(recent, USER_RECORD_TTL_S);
    for (const [hour, count] of user.hours) {
      pipeline.zincrby(keys.placers(hour), count, userId);
      hoursTouched.add(hour);
    }
    pipeline.zincrby(keys.placers('all'), user.count, userId);
  }
  for (const hour of hoursTouched) pipeline.expire(keys.placers(hour), HOURLY_TTL_S);
  const replies = await pipeline.exec();
  const failed = replies?.find(([error]) => error);
  if (failed?.[0]) throw failed[0];
}

/** A user's counters; per-minute counts of the last MODERATION_LIMITS.activityHours hours. */
export async function readUserActivity(redis: RedisConnection, canvasId: string, userId: string, now = Date.now()): Promise<UserActivity> {
  const keys = canvasKeys(canvasId);
  const [activity, minutes, recent] = await Promise.all([
    redis.hgetall(keys.userActivity(userId)),
    redis.hgetall(keys.userMinutes(userId)),
    redis.lrange(keys.userRecent(userId), 0, MODERATION_LIMITS.recentPlacements - 1),
  ]);
  const horizon = now - MODERATION_LIMITS.activityHours * HOUR_MS;
  const perMinute = Object.entries(minutes)
    .map(([minute, count]) => ({ minute: Number(minute), count: Number(count) }))
    .filter((entry) => Number.isSafeInteger(entry.minute) && entry.minute >= horizon && entry.count > 0)
    .sort((a, b) => a.minute - b.minute);
  const stale = Object.keys(minutes).filter((minute) => !(Number(minute) >= horizon));
  // A user active for days keeps the key alive: what fell out of the window is dropped on read.
  if (stale.length > 0) await redis.hdel(keys.userMinutes(userId), ...stale);
  const placed = recent
    .map((entry) => entry.split(',').map(Number))
    .filter((parts) => parts.length === 4 && parts.every(Number.isSafeInteger))
    .map(([x, y, color, at]) => ({ x: x!, y: y!, color: color!, at: at! }));
  const first = Number(activity.firstAt);
  const last = Number(activity.lastAt);
  return {
    placements: Number(activity.placements ?? 0) || 0,
    firstPlacedAt: Number.isSafeInteger(first) && activity.firstAt ? first : null,
    lastPlacedAt: Number.isSafeInteger(last) && activity.lastAt ? last : null,
    perMinute,
    recent: placed,
  };
}

/**
 * The users with the most placements since `since` (hour granularity, at most
 * MODERATION_LIMITS.activityHours back), or of all time without it.
 */
export async function readTopPlacers(
  redis: RedisConnection,
  canvasId: string,
  options: { since?: number; limit: number; now?: number },
): Promise<{ userId: string; placements: number }[]> {
  const keys = canvasKeys(canvasId);
  let flat: string[];
  if (options.since === undefined) {
    flat = await redis.zrevrange(keys.placers('all'), 0, options.limit - 1, 'WITHSCORES');
  } else {
    const nowHour = Math.floor((options.now ?? Date.now()) / HOUR_MS);
    const fromHour = Math.max(Math.floor(options.since / HOUR_MS), nowHour - MODERATION_LIMITS.activityHours);
    const hourKeys: string[] = [];
    for (let hour = fromHour; hour <= nowHour; hour++) hourKeys.push(keys.placers(hour));
    if (hourKeys.length === 0) return [];
    // ZUNION (Redis 6.2+) answers in ascending score order: the top are at the end.
    const union = (await redis.call('ZUNION', hourKeys.length, ...hourKeys, 'WITHSCORES')) as string[];
    const pairs: string[] = [];
    for (let i = union.length - 2; i >= 0 && pairs.length < options.limit * 2; i -= 2) pairs.push(union[i]!, union[i + 1]!);
    flat = pairs;
  }
  const out: { userId: string; placements: number }[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push({ userId: flat[i]!, placements: Number(flat[i + 1]) });
  return out;
}

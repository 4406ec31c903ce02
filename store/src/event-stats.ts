import { canvasKeys, comparePositions, type EventStats, formatPosition, parsePosition, type StreamPosition, ZERO_POSITION } from '@tessera/protocol';
import type { PlacementEvent } from './event-stream.js';
import { callScript } from './lua-scripts.js';
import type { RedisConnection } from './redis-connection.js';

/**
 * The event's numbers (unique users, signed-in users, canvas loads, peaks, placements in total and
 * per minute), kept in Redis as they happen: the writer adds each batch of placements it reads
 * (record-event-stats-5.lua), gateways add their canvas loads and presence reports.
 */

/** Admin rollbacks write events as `admin:<name>` (region-paint): they are not placements. */
const ADMIN_USER_PREFIX = 'admin:';
/** Accounts from an identity provider are `a_<sub>` (the gateway's jwt-verifier); guests are `g_…`. */
const SIGNED_IN_USER_PREFIX = 'a_';
const MINUTE_MS = 60_000;
const SECOND_MS = 1_000;

/** One batch of placements, folded: what record-event-stats adds. */
export interface StatsBatch {
  readonly placements: number;
  /** Distinct users of the batch. */
  readonly users: readonly string[];
  /** Distinct signed-in users of the batch (a subset of `users`). */
  readonly signedInUsers: readonly string[];
  /** [minute start ms, placements] by stream time. */
  readonly minutes: readonly (readonly [number, number])[];
  /** [second start ms, placements] by stream time. */
  readonly seconds: readonly (readonly [number, number])[];
}

/** Folds events (in any order) into one batch; admin events are not placements and are skipped. */
export function foldStatsBatch(events: Iterable<Pick<PlacementEvent, 'position' | 'userId'>>): StatsBatch {
  const users = new Set<string>();
  const signedIn = new Set<string>();
  const minutes = new Map<number, number>();
  const seconds = new Map<number, number>();
  let placements = 0;
  for (const { position, userId } of events) {
    if (userId.startsWith(ADMIN_USER_PREFIX)) continue;
    placements++;
    if (userId !== '') {
      users.add(userId);
      if (userId.startsWith(SIGNED_IN_USER_PREFIX)) signedIn.add(userId);
    }
    const minute = position.ms - (position.ms % MINUTE_MS);
    const second = position.ms - (position.ms % SECOND_MS);
    minutes.set(minute, (minutes.get(minute) ?? 0) + 1);
    seconds.set(second, (seconds.get(second) ?? 0) + 1);
  }
  return { placements, users: [...users], signedInUsers: [...signedIn], minutes: [...minutes], seconds: [...seconds] };
}

export type StatsRecordOutcome =
  | { readonly kind: 'counted' }
  /** The stats are already counted through `cursor`, at or after the batch's end: nothing was added. */
  | { readonly kind: 'already-counted'; readonly cursor: StreamPosition }
  /** The stats are counted through `cursor`, not where the batch starts: count from there first. */
  | { readonly kind: 'elsewhere'; readonly cursor: StreamPosition };

/** Adds `batch`, the placements in (from, to], if and only if the stats are counted exactly through `from`. */
export async function recordEventStats(
  redis: RedisConnection,
  canvasId: string,
  from: StreamPosition,
  to: StreamPosition,
  batch: StatsBatch,
): Promise<StatsRecordOutcome> {
  if (comparePositions(from, to) >= 0) throw new Error(`a stats batch must end after it starts (${formatPosition(from)}..${formatPosition(to)})`);
  const keys = canvasKeys(canvasId);
  const counts = JSON.stringify({ placements: batch.placements, minutes: batch.minutes, seconds: batch.seconds });
  const reply = await callScript<[number, string?]>(redis, 'tesseraRecordEventStats', [
    keys.stats,
    keys.statsUsers,
    keys.statsSignedInUsers,
    keys.statsPlacementsPerMinute,
    keys.statsPlacementsPerSecond,
    formatPosition(from),
    formatPosition(to),
    counts,
    batch.users.length,
    ...batch.users,
    ...batch.signedInUsers,
  ]);
  return statsRecordOutcome(reply);
}

/** The one place the stats script's result codes get their meaning. */
export function statsRecordOutcome(reply: [number, string?]): StatsRecordOutcome {
  const [code, cursorText] = reply;
  if (code === 0) return { kind: 'counted' };
  const cursor = parsePosition(cursorText ?? '');
  if (!cursor) throw new Error(`record-event-stats returned an unreadable cursor ${JSON.stringify(cursorText)}`);
  if (code === 1) return { kind: 'already-counted', cursor };
  if (code === 2) return { kind: 'elsewhere', cursor };
  throw new Error(`record-event-stats returned unknown code ${String(code)}`);
}

/** The stream position the placement figures are counted through (0-0: none yet). */
export async function readStatsCursor(redis: RedisConnection, canvasId: string): Promise<StreamPosition> {
  return parsePosition((await redis.hget(canvasKeys(canvasId).stats, 'cursor')) ?? '') ?? ZERO_POSITION;
}

/** Adds canvas loads a gateway counted, by minute (minute start ms → loads). */
export async function addCanvasLoads(redis: RedisConnection, canvasId: string, perMinute: ReadonlyMap<number, number>): Promise<void> {
  const keys = canvasKeys(canvasId);
  let total = 0;
  const multi = redis.multi();
  for (const [minute, loads] of perMinute) {
    if (!Number.isInteger(minute) || !Number.isInteger(loads) || loads <= 0) throw new Error(`bad canvas-load count ${minute}: ${loads}`);
    multi.hincrby(keys.statsLoadsPerMinute, String(minute), loads);
    total += loads;
  }
  if (total === 0) return;
  multi.hincrby(keys.stats, 'canvasLoads', total);
  const results = await multi.exec();
  const failure = results?.find(([error]) => error)?.[0];
  if (!results || failure) throw failure ?? new Error('the canvas-load transaction was aborted');
}

export async function readEventStats(redis: RedisConnection, canvasId: string): Promise<EventStats> {
  const keys = canvasKeys(canvasId);
  const [stats, users, signedIn, placements, loads, online] = await Promise.all([
    redis.hgetall(keys.stats),
    redis.pfcount(keys.statsUsers),
    redis.pfcount(keys.statsSignedInUsers),
    redis.hgetall(keys.statsPlacementsPerMinute),
    redis.hgetall(keys.statsLoadsPerMinute),
    redis.hgetall(keys.statsOnlinePerMinute),
  ]);
  const count = (value: string | undefined): number => {
    const parsed = Number(value);
    return Number.isSafeInteger(parsed) && parsed >= 0 ? parsed : 0;
  };
  const minutes = new Map<number, { placements: number; canvasLoads: number; peakOnline: number }>();
  const fill = (hash: Record<string, string>, field: 'placements' | 'canvasLoads' | 'peakOnline') => {
    for (const [minute, value] of Object.entries(hash)) {
      const start = Number(minute);
      if (!Number.isSafeInteger(start) || start < 0) continue; // written by something other than Tessera
      const entry = minutes.get(start) ?? { placements: 0, canvasLoads: 0, peakOnline: 0 };
      entry[field] = count(value);
      minutes.set(start, entry);
    }
  };
  fill(placements, 'placements');
  fill(loads, 'canvasLoads');
  fill(online, 'peakOnline');
  return {
    uniqueUsers: users,
    signedInUsers: signedIn,
    canvasLoads: count(stats.canvasLoads),
    placements: count(stats.placements),
    peakOnline: { value: count(stats.peakOnline), at: count(stats.peakOnlineAt) },
    peakPlacementsPerSecond: { value: count(stats.peakPerSecond), at: count(stats.peakPerSecondAt) },
    countedThrough: parsePosition(stats.cursor ?? '') ? stats.cursor! : '0-0',
    perMinute: [...minutes].sort(([a], [b]) => a - b).map(([minute, entry]) => ({ minute, ...entry })),
  };
}

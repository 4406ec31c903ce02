import { canvasKeys, formatPosition, parsePosition, type StreamPosition } from '@tessera/protocol';
import type { RedisConnection } from './redis-connection.js';

/** One accepted placement as recorded in the canvas's event stream. */
export interface PlacementEvent {
  readonly id: string;
  readonly position: StreamPosition;
  readonly x: number;
  readonly y: number;
  readonly color: number;
  readonly userId: string;
}

export interface EventBatch {
  readonly events: PlacementEvent[];
  /** Entries that could not be parsed (counted, skipped: they can only come from outside Tessera). */
  readonly malformed: number;
}

/**
 * Reads up to `count` events after `after` (exclusive) and up to `until` (inclusive, default:
 * the newest).
 */
export async function readEventsAfter(
  redis: RedisConnection,
  canvasId: string,
  after: StreamPosition,
  count: number,
  until?: StreamPosition,
): Promise<EventBatch> {
  const keys = canvasKeys(canvasId);
  const entries = (await redis.xrange(
    keys.events,
    `(${formatPosition(after)}`,
    until ? formatPosition(until) : '+',
    'COUNT',
    count,
  )) as Array<[string, string[]]>;
  return parseEntries(entries);
}

export function parseEntries(entries: Array<[string, string[]]>): EventBatch {
  const events: PlacementEvent[] = [];
  let malformed = 0;
  for (const [id, fields] of entries) {
    const event = parseEntry(id, fields);
    if (event) events.push(event);
    else malformed++;
  }
  return { events, malformed };
}

function parseEntry(id: string, fields: string[]): PlacementEvent | undefined {
  const position = parsePosition(id);
  if (!position) return undefined;
  const values: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) values[fields[i]!] = fields[i + 1]!;
  const x = Number(values.x);
  const y = Number(values.y);
  const color = Number(values.c);
  if (!Number.isInteger(x) || !Number.isInteger(y) || !Number.isInteger(color) || x < 0 || y < 0 || color < 0 || color > 255) {
    return undefined;
  }
  return { id, position, x, y, color, userId: values.u ?? '' };
}

/** The id of the newest event, or 0-0 for an empty stream. */
export async function lastEventPosition(redis: RedisConnection, canvasId: string): Promise<StreamPosition> {
  const last = (await redis.xrevrange(canvasKeys(canvasId).events, '+', '-', 'COUNT', 1)) as Array<[string, string[]]>;
  return parsePosition(last[0]?.[0] ?? '0-0') ?? { ms: 0, seq: 0 };
}

/** What a new connection is promised (invariant 6): where the stream ends now, and in which writer epoch. */
export interface StreamPromise {
  readonly position: StreamPosition;
  /** The writer's epoch (0 before any writer has run). */
  readonly epoch: number;
}

/**
 * Read after the socket joined the broadcast room: every delta broadcast before it ends at or
 * before this position, so a canvas read at least this new misses none of them.
 */
export async function readStreamPromise(redis: RedisConnection, canvasId: string): Promise<StreamPromise> {
  const [position, epoch] = await Promise.all([lastEventPosition(redis, canvasId), redis.hget(canvasKeys(canvasId).writerState, 'epoch')]);
  const parsed = Number(epoch);
  return { position, epoch: Number.isInteger(parsed) && parsed > 0 && parsed <= 0xffff_ffff ? parsed : 0 };
}

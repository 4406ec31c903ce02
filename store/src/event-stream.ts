import { canvasKeys, formatPosition, parsePosition, type StreamPosition, ZERO_POSITION } from '@tessera/protocol';
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
  const entries = (await redis.xrange(keys.events, `(${formatPosition(after)}`, until ? formatPosition(until) : '+', 'COUNT', count)) as [string, string[]][];
  return parseEntries(entries);
}

export function parseEntries(entries: [string, string[]][]): EventBatch {
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
  const last = (await redis.xrevrange(canvasKeys(canvasId).events, '+', '-', 'COUNT', 1)) as [string, string[]][];
  return parsePosition(last[0]?.[0] ?? '0-0') ?? { ms: 0, seq: 0 };
}

/** What a new connection is promised (invariant 6): the stream position its canvas read must reach. */
export interface StreamPromise {
  readonly position: StreamPosition;
  /** The writer's epoch (0 before any writer has run). */
  readonly epoch: number;
}

/**
 * Read after the socket joined the broadcast room. A delta is committed before it is broadcast,
 * so every delta broadcast before the join ends at or before the writer's committed cursor: a
 * canvas read at least that new misses none of them. The cursor moves once per tick, so a crowd
 * arriving within a tick is promised one position, and a CDN or the gateway's cache serves them
 * all one read. No writer state yet: nothing was broadcast, nothing is required.
 */
export async function readStreamPromise(redis: RedisConnection, canvasId: string): Promise<StreamPromise> {
  const [epoch, cursor] = await redis.hmget(canvasKeys(canvasId).writerState, 'epoch', 'cursor');
  const parsedEpoch = Number(epoch);
  const position = cursor ? parsePosition(cursor) : undefined;
  const valid = position !== undefined && Number.isInteger(parsedEpoch) && parsedEpoch > 0 && parsedEpoch <= 0xffff_ffff;
  return valid ? { position, epoch: parsedEpoch } : { position: ZERO_POSITION, epoch: 0 };
}

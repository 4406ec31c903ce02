import { canvasKeys, comparePositions, formatPosition, parsePosition, type StreamPosition } from '@tessera/protocol';
import type { RedisConnection } from './redis-connection.js';
import { parseEntries, type PlacementEvent } from './event-stream.js';

/** One page of the event stream as the writer consumes it. */
export interface EventPage {
  readonly events: PlacementEvent[];
  /** Entries that could not be parsed (skipped, but the cursor moves past them). */
  readonly malformed: number;
  /** Entries read, parsed or not. */
  readonly entries: number;
  /** Id of the last entry read, parsed or not; undefined when none was read. */
  readonly last: StreamPosition | undefined;
  /**
   * True when entries after `after` may have been deleted before anyone read them: their
   * pixels are in the chunks, but no delta will ever carry them.
   */
  readonly lost: boolean;
}

const EMPTY: EventPage = Object.freeze({ events: [], malformed: 0, entries: 0, last: undefined, lost: false });

/**
 * Reads up to `count` entries after `after` (exclusive) up to `until` (inclusive, default the
 * newest) and tells whether entries after `after` were lost to trimming. Unlike readEventsAfter it
 * reports the id of the last entry even when that entry is malformed, so a cursor never sticks on
 * an entry it cannot parse.
 *
 * Trimming removes the oldest entries first, so nothing after `after` is gone while the entry
 * `after` itself is still there: the range starts inclusively at `after` to see it, in one
 * transaction with XINFO STREAM, which adds what an id cannot show (Redis 7: `max-deleted-entry-id`
 * for XDEL, `entries-added` for a cursor at 0-0). A cursor entry trimmed while everything after it
 * survived reads as lost too: the caller starts over, which costs clients one refetch.
 */
export async function readEventPage(
  redis: RedisConnection,
  canvasId: string,
  after: StreamPosition,
  count: number,
  until?: StreamPosition,
): Promise<EventPage> {
  const key = canvasKeys(canvasId).events;
  const results = await redis
    .multi()
    .xinfo('STREAM', key)
    .xrange(key, formatPosition(after), until ? formatPosition(until) : '+', 'COUNT', count + 1)
    .exec();
  if (!results) throw new Error('event page transaction was aborted');
  const [info, range] = results as [[Error | null, unknown], [Error | null, unknown]];
  if (range[0]) throw range[0];
  if (info[0]) {
    // XINFO fails only when the stream does not exist: nothing to read.
    if (/no such key/i.test(info[0].message)) return EMPTY;
    throw info[0];
  }
  let entries = range[1] as [string, string[]][];
  const cursorKept = entries[0]?.[0] === formatPosition(after);
  if (cursorKept) entries = entries.slice(1);
  else if (entries.length > count) entries = entries.slice(0, count);
  const { events, malformed } = parseEntries(entries);
  const lastId = entries[entries.length - 1]?.[0];
  return {
    events,
    malformed,
    entries: entries.length,
    last: lastId === undefined ? undefined : parsePosition(lastId),
    lost: entriesLost(info[1], after, cursorKept),
  };
}

/** The newest entry of the stream (a page of at most one entry). */
export async function readNewestEvent(redis: RedisConnection, canvasId: string): Promise<EventPage> {
  const entries = (await redis.xrevrange(canvasKeys(canvasId).events, '+', '-', 'COUNT', 1)) as [string, string[]][];
  const id = entries[0]?.[0];
  if (id === undefined) return EMPTY;
  return { ...parseEntries(entries), entries: 1, last: parsePosition(id), lost: false };
}

function entriesLost(info: unknown, after: StreamPosition, cursorKept: boolean): boolean {
  const maxDeleted = parsePosition(infoField(info, 'max-deleted-entry-id') ?? '0-0');
  if (maxDeleted && comparePositions(maxDeleted, after) > 0) return true; // XDEL after the cursor
  if (after.ms === 0 && after.seq === 0) {
    // Nothing read yet: lost if anything was ever removed (entries-added counts every XADD).
    const added = Number(infoField(info, 'entries-added'));
    const length = Number(infoField(info, 'length'));
    return Number.isInteger(added) && Number.isInteger(length) && added > length;
  }
  return !cursorKept;
}

/** One field of an XINFO reply (a flat name, value, name, value… array). */
function infoField(reply: unknown, name: string): string | undefined {
  if (!Array.isArray(reply)) return undefined;
  for (let i = 0; i + 1 < reply.length; i += 2) {
    if (reply[i] === name) {
      const value: unknown = reply[i + 1];
      return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
    }
  }
  return undefined;
}

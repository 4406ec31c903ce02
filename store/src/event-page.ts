import { canvasKeys, comparePositions, formatPosition, parsePosition, type StreamPosition } from '@tessera/protocol';
import type { Redis } from 'ioredis';
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
   * True when entries after `after` were deleted (trimmed) before this read could see them:
   * their pixels are in the chunks, but no delta will ever carry them.
   */
  readonly lost: boolean;
}

/**
 * Reads up to `count` entries after `after` (exclusive) up to `until` (inclusive, default the
 * newest), and in the same transaction asks the stream whether any entry after `after` has been
 * deleted (XINFO STREAM `max-deleted-entry-id`, Redis 7; never reported on older servers).
 * Unlike readEventsAfter it reports the id of the last entry even when that entry is malformed,
 * so a cursor never sticks on an entry it cannot parse.
 */
export async function readEventPage(
  redis: Redis,
  canvasId: string,
  after: StreamPosition,
  count: number,
  until?: StreamPosition,
): Promise<EventPage> {
  const key = canvasKeys(canvasId).events;
  const results = await redis
    .multi()
    .xinfo('STREAM', key)
    .xrange(key, `(${formatPosition(after)}`, until ? formatPosition(until) : '+', 'COUNT', count)
    .exec();
  if (!results) throw new Error('event page transaction was aborted');
  const [info, range] = results as [[Error | null, unknown], [Error | null, unknown]];
  if (range[0]) throw range[0];
  if (info[0]) {
    // XINFO fails only when the stream does not exist: nothing to read, nothing lost.
    if (/no such key/i.test(info[0].message)) return { events: [], malformed: 0, entries: 0, last: undefined, lost: false };
    throw info[0];
  }
  const entries = range[1] as Array<[string, string[]]>;
  const maxDeleted = parsePosition(infoField(info[1], 'max-deleted-entry-id') ?? '0-0');
  const { events, malformed } = parseEntries(entries);
  const lastId = entries[entries.length - 1]?.[0];
  return {
    events,
    malformed,
    entries: entries.length,
    last: lastId === undefined ? undefined : parsePosition(lastId),
    lost: maxDeleted !== undefined && comparePositions(maxDeleted, after) > 0,
  };
}

/** One field of an XINFO reply (a flat name, value, name, value… array). */
function infoField(reply: unknown, name: string): string | undefined {
  if (!Array.isArray(reply)) return undefined;
  for (let i = 0; i + 1 < reply.length; i += 2) {
    if (reply[i] === name) {
      const value: unknown = reply[i + 1];
      return typeof value === 'string' ? value : undefined;
    }
  }
  return undefined;
}

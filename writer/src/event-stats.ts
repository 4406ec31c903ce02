import { comparePositions, type StreamPosition } from '@tessera/protocol';
import type { Logger } from '@tessera/runtime';
import { foldStatsBatch, readEventPage, readStatsCursor, recordEventStats, type PlacementEvent, type RedisConnection } from '@tessera/store';
import type { Counter } from 'prom-client';

/**
 * The event's numbers, counted from the batches the writer already reads (no extra round trip on
 * the placement path). Exactly once: record-event-stats-5.lua adds a batch only when the stats are
 * counted exactly through its start. Whatever a batch finds in the way is settled here:
 * - counted further already (a writer that lost its lead, a resent window): nothing is added;
 * - counted up to inside the batch: only the part after that is added;
 * - counted only up to before the batch (a leader that died between its delta and its stats, a
 *   new epoch that jumped the cursor, stats added to a running canvas): the difference is read
 *   from the stream first. What trimming removed before anyone counted it stays uncounted
 *   (`tessera_writer_stats_gaps_total`).
 * A rollback of Redis rolls back the stats with the stream they count, so they still agree.
 */
export interface EventStatsRecorder {
  /** Counts the placements `events` of the committed window (from, to], in the background; failures go to onError. */
  record(events: readonly PlacementEvent[], from: StreamPosition, to: StreamPosition): void;
  /** Counts from the stream, in the background, whatever is not counted yet up to `to` (after a takeover or a new epoch). */
  catchUp(to: StreamPosition): void;
  /** Resolves once nothing is being counted (shutdown). */
  settled(): Promise<void>;
}

export interface EventStatsDeps {
  readonly redis: RedisConnection;
  readonly canvasId: string;
  readonly log: Logger;
  /** Times events were trimmed from the stream before the stats counted them. */
  readonly gaps: Counter;
  readonly onError: (error: unknown) => void;
}

/** Stream entries read per catch-up page, and pages per call: a long catch-up goes on next tick. */
const PAGE_SIZE = 10_000;
const MAX_STEPS_PER_CALL = 20;

interface Batch {
  readonly from: StreamPosition;
  readonly to: StreamPosition;
  readonly events: readonly PlacementEvent[];
}

export function createEventStatsRecorder(deps: EventStatsDeps): EventStatsRecorder {
  const { redis, canvasId } = deps;

  /** The batch that starts at `start`: from memory when `start` is inside (from, to], else from the stream. */
  async function batchFrom(start: StreamPosition, known: Batch): Promise<Batch> {
    if (comparePositions(start, known.from) >= 0) {
      return { from: start, to: known.to, events: known.events.filter((event) => comparePositions(event.position, start) > 0) };
    }
    const page = await readEventPage(redis, canvasId, start, PAGE_SIZE, known.from);
    if (page.lost) {
      deps.gaps.inc();
      deps.log.warn({ canvasId, after: start }, 'event stats: events were trimmed from the stream before they were counted');
    }
    // A full page may stop short of known.from; otherwise everything up to it has been read.
    const to = page.entries >= PAGE_SIZE && page.last ? page.last : known.from;
    return { from: start, to, events: page.events };
  }

  async function count(known: Batch, start: StreamPosition): Promise<void> {
    let next = await batchFrom(start, known);
    for (let step = 0; step < MAX_STEPS_PER_CALL; step++) {
      if (comparePositions(next.from, next.to) >= 0) return;
      const outcome = await recordEventStats(redis, canvasId, next.from, next.to, foldStatsBatch(next.events));
      const cursor = outcome.kind === 'counted' ? next.to : outcome.cursor;
      if (comparePositions(cursor, known.to) >= 0) return;
      next = await batchFrom(cursor, known);
    }
    deps.log.info({ canvasId }, 'event stats: catching up with the stream, continued next tick');
  }

  // One count at a time, off the tick: a tick never waits for its stats. A batch arriving while
  // one is counted is not kept; the next count reads it from the stream instead (bounded memory
  // when Redis is slow, and still exactly once).
  let running: Promise<void> | undefined;
  let behindTo: StreamPosition | undefined;

  function run(work: () => Promise<void>): void {
    running = work()
      .catch((error: unknown) => deps.onError(error))
      .finally(() => {
        running = undefined;
        const to = behindTo;
        behindTo = undefined;
        if (to) run(async () => count({ from: to, to, events: [] }, await readStatsCursor(redis, canvasId)));
      });
  }

  function later(to: StreamPosition): void {
    if (!behindTo || comparePositions(to, behindTo) > 0) behindTo = to;
  }

  return {
    record(events, from, to) {
      if (running) later(to);
      else run(() => count({ from, to, events }, from));
    },
    catchUp(to) {
      if (running) later(to);
      else run(async () => count({ from: to, to, events: [] }, await readStatsCursor(redis, canvasId)));
    },
    async settled() {
      while (running) await running;
    },
  };
}

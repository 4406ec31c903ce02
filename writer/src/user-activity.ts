import { comparePositions, type StreamPosition } from '@tessera/protocol';
import { createFailureLog, type Logger } from '@tessera/runtime';
import { readEventsAfter, recordPlacements, type RedisConnection } from '@tessera/store';
import { Counter, type Registry } from 'prom-client';
import type { DeltaReport, Writer } from './writer-loop.js';

/** Events per read while folding one delta's window. */
const PAGE = 5_000;

/**
 * Per-user placement counters for the admins' moderation views (store/user-activity.ts), kept by
 * the leader from the events of each delta it broadcast, so the placement script stays lean. A
 * delta's window is read again from the stream (one XRANGE a tick) rather than taken from inside
 * the writer loop. Counts are best effort: a takeover resend is skipped, and a writer that dies
 * between broadcasting and counting loses that tick's counts.
 */
export function followUserActivity(deps: { writer: Writer; redis: RedisConnection; canvasId: string; log: Logger; registry: Registry }): void {
  const counted = new Counter({
    name: 'tessera_writer_activity_events_total',
    help: 'Placement events folded into per-user counters.',
    registers: [deps.registry],
  });
  const failures = createFailureLog({ log: deps.log, message: 'user activity counting failed' });
  let newest: StreamPosition | undefined;
  let queue: Promise<void> = Promise.resolve();

  async function fold(report: DeltaReport): Promise<void> {
    let after = newest && comparePositions(newest, report.start) > 0 ? newest : report.start;
    while (comparePositions(after, report.end) < 0) {
      const batch = await readEventsAfter(deps.redis, deps.canvasId, after, PAGE, report.end);
      const last = batch.events[batch.events.length - 1];
      if (!last) break;
      await recordPlacements(deps.redis, deps.canvasId, batch.events);
      counted.inc(batch.events.length);
      after = newest = last.position;
      if (batch.events.length + batch.malformed < PAGE) break;
    }
  }

  deps.writer.on('delta', (report) => {
    if (report.resent) return;
    queue = queue.then(() => fold(report)).catch((error: unknown) => failures.failed('activity', error));
  });
}

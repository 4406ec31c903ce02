import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Where a failure happened, for `tessera_writer_errors_total{stage}`. */
export const WriterStage = {
  Acquire: 'acquire',
  Renew: 'renew',
  Release: 'release',
  Takeover: 'takeover',
  Read: 'read',
  Commit: 'commit',
  Broadcast: 'broadcast',
  Sync: 'sync',
  Stats: 'stats',
} as const;
export type WriterStage = (typeof WriterStage)[keyof typeof WriterStage];

export interface WriterMetrics {
  readonly tickDuration: Histogram;
  readonly deltaPixels: Histogram;
  readonly deltas: Counter;
  readonly syncs: Counter;
  readonly events: Counter;
  readonly malformedEvents: Counter;
  readonly lag: Gauge;
  readonly deltaAge: Histogram;
  readonly isLeader: Gauge;
  readonly sequence: Gauge;
  readonly leadershipChanges: Counter<'to'>;
  readonly errors: Counter<'stage'>;
  readonly statsGaps: Counter;
}

/** The writer's metrics, registered on `registry` (one registry per writer instance). */
export function createWriterMetrics(registry: Registry): WriterMetrics {
  const registers = [registry];
  const metrics: WriterMetrics = {
    tickDuration: new Histogram({
      name: 'tessera_writer_tick_duration_seconds',
      help: 'Time a leader tick took: read events, build, commit and broadcast the delta (and sync).',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    deltaPixels: new Histogram({
      name: 'tessera_writer_delta_pixels',
      help: 'Distinct pixels carried by one delta.',
      buckets: [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000],
      registers,
    }),
    deltas: new Counter({ name: 'tessera_writer_deltas_total', help: 'Deltas committed and broadcast.', registers }),
    syncs: new Counter({ name: 'tessera_writer_syncs_total', help: 'Checksum syncs broadcast.', registers }),
    events: new Counter({ name: 'tessera_writer_events_total', help: 'Stream entries folded into deltas.', registers }),
    malformedEvents: new Counter({
      name: 'tessera_writer_malformed_events_total',
      help: 'Stream entries skipped because they could not be parsed or encoded.',
      registers,
    }),
    lag: new Gauge({
      name: 'tessera_writer_lag_seconds',
      help: 'Age of the oldest event not yet broadcast, at the last leader tick (0 when caught up or standby).',
      registers,
    }),
    deltaAge: new Histogram({
      name: 'tessera_writer_delta_age_seconds',
      help: 'Time from the oldest event in a delta (its stream id) to the delta being broadcast.',
      buckets: [0.05, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 10, 30],
      registers,
    }),
    isLeader: new Gauge({ name: 'tessera_writer_is_leader', help: '1 while this writer holds the leadership lock.', registers }),
    sequence: new Gauge({ name: 'tessera_writer_sequence', help: 'Sequence number of the last delta this writer committed.', registers }),
    leadershipChanges: new Counter({
      name: 'tessera_writer_leadership_changes_total',
      help: 'Times this writer became leader (to="leader") or stopped being one (to="standby").',
      labelNames: ['to'] as const,
      registers,
    }),
    errors: new Counter({
      name: 'tessera_writer_errors_total',
      help: 'Failures by stage; the loop retries on the next tick.',
      labelNames: ['stage'] as const,
      registers,
    }),
    statsGaps: new Counter({
      name: 'tessera_writer_stats_gaps_total',
      help: 'Times the event stats found events trimmed from the stream before they were counted.',
      registers,
    }),
  };
  metrics.isLeader.set(0);
  metrics.lag.set(0);
  for (const stage of Object.values(WriterStage)) metrics.errors.inc({ stage }, 0);
  for (const to of ['leader', 'standby']) metrics.leadershipChanges.inc({ to }, 0);
  return metrics;
}

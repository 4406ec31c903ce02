import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface SnapshotMetrics {
  readonly snapshotDuration: Histogram;
  readonly snapshotBytes: Gauge<'kind'>;
  readonly lastSuccess: Gauge;
  readonly failures: Counter<'job'>;
  readonly skipped: Counter;
  readonly eventsArchived: Counter;
  readonly historyGaps: Counter;
  readonly restoreDuration: Histogram;
  readonly snapshotAge: Gauge;
  /** Timelapses, heatmaps, virgin maps and datasets, by kind and outcome. */
  readonly historyJobs: Histogram<'kind' | 'outcome'>;
  /** Where tessera_snapshot_age_seconds reads the age at each scrape (the snapshotter sets it). */
  measureAgeWith(source: () => number): void;
}

/** The snapshotter's metrics, registered on `registry` (one registry per instance). */
export function createSnapshotMetrics(registry: Registry): SnapshotMetrics {
  const registers = [registry];
  let ageSource: (() => number) | undefined;
  return {
    snapshotAge: new Gauge({
      name: 'tessera_snapshot_age_seconds',
      help: 'Age of the newest snapshot any replica confirmed (written, or the canvas unchanged): what a Redis loss without AOF would cost now.',
      registers,
      collect() {
        if (ageSource) this.set(ageSource());
      },
    }),
    measureAgeWith(source) {
      ageSource = source;
    },
    snapshotDuration: new Histogram({
      name: 'tessera_snapshot_duration_seconds',
      help: 'Time one snapshot took: atomic read, history archive, encoding, and every S3 write.',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    snapshotBytes: new Gauge({
      name: 'tessera_snapshot_bytes',
      help: 'Size of the newest snapshot written by this process, by kind (binary: the compressed restore object; png).',
      labelNames: ['kind'],
      registers,
    }),
    lastSuccess: new Gauge({
      name: 'tessera_snapshot_last_success_timestamp_seconds',
      help: 'When this process last completed a snapshot job (written or skipped as unchanged), in epoch seconds.',
      registers,
    }),
    failures: new Counter({
      name: 'tessera_snapshot_failures_total',
      help: 'Failed job attempts, by job (snapshot, restore, list); a snapshot attempt is retried with backoff.',
      labelNames: ['job'],
      registers,
    }),
    skipped: new Counter({
      name: 'tessera_snapshot_skipped_total',
      help: 'Snapshot jobs that wrote nothing because the canvas was unchanged (or absent).',
      registers,
    }),
    eventsArchived: new Counter({
      name: 'tessera_history_events_archived_total',
      help: 'Placements archived to S3 history segments.',
      registers,
    }),
    historyGaps: new Counter({
      name: 'tessera_history_gaps_total',
      help: 'Times placements were trimmed from the stream before they could be archived (raise STREAM_MAX_LEN or snapshot more often).',
      registers,
    }),
    historyJobs: new Histogram({
      name: 'tessera_history_job_duration_seconds',
      help: 'Time one history job (timelapse, heatmap, virgin map, dataset) took, by kind and outcome.',
      labelNames: ['kind', 'outcome'],
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600],
      registers,
    }),
    restoreDuration: new Histogram({
      name: 'tessera_restore_duration_seconds',
      help: 'Time one restore took: S3 read, validation, staging and the atomic swap.',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
  };
}

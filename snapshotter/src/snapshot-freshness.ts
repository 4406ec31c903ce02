import { readSnapshotConfirmed, recordSnapshotConfirmed, type RedisConnection } from '@tessera/store';

export interface SnapshotFreshnessOptions {
  readonly redis: RedisConnection;
  readonly canvasId: string;
  readonly intervalMs: number;
  /** The check fails past this many intervals. */
  readonly maxAgeIntervals: number;
  readonly now?: () => number;
}

export interface SnapshotFreshness {
  /** A snapshot job confirmed S3 holds the canvas (written, or unchanged) at `atMs`: tell every replica. */
  confirmed(atMs: number): Promise<void>;
  /** Reads what any replica confirmed last (the watch loop calls it). */
  refresh(): Promise<void>;
  /** Seconds since the newest confirmation any replica made (since start-up before the first). */
  ageSeconds(): number;
  /** Undefined while fresh, else why not (for /checks/snapshot-age). */
  problem(): string | undefined;
}

/**
 * How old the newest snapshot is, across replicas. Jobs go to whichever replica is free, so one
 * replica's own last success says little; each success is recorded in Redis, next to the canvas.
 * An unchanged canvas counts as confirmed: S3 already holds everything a Redis loss would cost.
 */
export function createSnapshotFreshness(options: SnapshotFreshnessOptions): SnapshotFreshness {
  const { redis, canvasId, intervalMs, maxAgeIntervals } = options;
  const now = options.now ?? Date.now;
  const startedAt = now();
  let newestMs: number | undefined;
  const note = (atMs: number): void => {
    if (Number.isFinite(atMs) && (newestMs === undefined || atMs > newestMs)) newestMs = atMs;
  };
  const ageSeconds = (): number => Math.max(0, now() - (newestMs ?? startedAt)) / 1000;
  return {
    async confirmed(atMs) {
      note(atMs);
      await recordSnapshotConfirmed(redis, canvasId, atMs);
    },
    async refresh() {
      const stored = await readSnapshotConfirmed(redis, canvasId);
      if (stored !== undefined) note(stored);
    },
    ageSeconds,
    problem() {
      const age = ageSeconds();
      const limit = (intervalMs * maxAgeIntervals) / 1000;
      if (age <= limit) return undefined;
      return `the newest snapshot is ${age.toFixed(1)} s old, over ${maxAgeIntervals} intervals of ${intervalMs} ms`;
    },
  };
}

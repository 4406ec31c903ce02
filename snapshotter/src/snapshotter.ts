import type { S3Client } from '@aws-sdk/client-s3';
import type { Logger } from '@tessera/runtime';
import { createCanvasIfMissing } from '@tessera/store';
import type { RedisConnection } from '@tessera/store';
import type { SnapshotterConfig } from './config.js';
import type { Compression } from './envelope.js';
import type { SnapshotMetrics } from './metrics.js';
import { createObjectStore, createS3Client } from './object-store.js';
import { createResyncBroadcaster } from './resync-broadcaster.js';
import { canvasFolder } from './snapshot-keys.js';
import { createSnapshotFreshness } from './snapshot-freshness.js';
import { createSnapshotService, type SnapshotService } from './snapshot-service.js';
import { createSnapshotWorker, type JobHooks, type SnapshotWorker } from './snapshot-worker.js';
import { createHistoryJobs } from './history-jobs-worker.js';
import { createHistorySource } from './history-replay.js';
import { createRevertHistoryWorker } from './revert-history-worker.js';

export type SnapshotterSettings = Pick<
  SnapshotterConfig,
  'canvasId' | 's3' | 'snapshotIntervalMs' | 'canvasDefaults' | 'canvasCacheMs' | 'snapshotLockMs' | 'snapshotStalledCheckMs' | 'snapshotMaxAgeIntervals'
> &
  Partial<Pick<SnapshotterConfig, 'history'>>;

export interface SnapshotterDependencies {
  readonly config: SnapshotterSettings;
  /** Commands and PUBLISH (fail-fast is fine). */
  readonly redis: RedisConnection;
  /** For BullMQ: `maxRetriesPerRequest: null`. */
  readonly bullConnection: RedisConnection;
  readonly log: Logger;
  readonly metrics: SnapshotMetrics;
  /** Default: built from `config.s3` with the default credential chain. */
  readonly s3?: S3Client;
  readonly hooks?: JobHooks;
  readonly compression?: Compression;
}

export interface Snapshotter {
  /**
   * Restores the newest snapshot if Redis holds no canvas (or creates one from the defaults when
   * S3 holds none), retrying while S3 or Redis fail, then starts the worker. Resolves once ready.
   */
  start(): Promise<void>;
  /** Stops the worker, waiting up to `timeoutMs` for a running job. */
  stop(timeoutMs: number): Promise<void>;
  /** Undefined when ready, else why not (for /readyz). */
  readiness(): string | undefined;
  /** Undefined while the newest snapshot is recent enough, else why not (for /checks/snapshot-age). */
  snapshotAgeProblem(): string | undefined;
  readonly service: SnapshotService;
  readonly worker: SnapshotWorker;
}

/** Beyond the gateways' canvas cache lifetime before a resync (as the gateway's own admin rewrites). */
const RESYNC_MARGIN_MS = 150;

/** How often a running snapshotter checks that Redis still holds the canvas and the schedule. */
const MAX_WATCH_INTERVAL_MS = 5_000;

/** Start-up retries back off up to this long between attempts. */
const MAX_BOOT_BACKOFF_MS = 15_000;

export function createSnapshotter(dependencies: SnapshotterDependencies): Snapshotter {
  const { config, redis, bullConnection, log, metrics } = dependencies;
  const s3 = dependencies.s3 ?? createS3Client(config.s3);
  const objects = createObjectStore(s3, config.s3.bucket, canvasFolder(config.s3.prefix, config.canvasId));
  const service = createSnapshotService({
    redis,
    objects,
    canvasId: config.canvasId,
    log,
    metrics,
    resync: createResyncBroadcaster(redis, config.canvasId),
    resyncDelayMs: config.canvasCacheMs + RESYNC_MARGIN_MS,
    ...(dependencies.compression ? { compression: dependencies.compression } : {}),
  });
  const worker = createSnapshotWorker({
    connection: bullConnection,
    canvasId: config.canvasId,
    intervalMs: config.snapshotIntervalMs,
    lockDurationMs: config.snapshotLockMs,
    stalledIntervalMs: config.snapshotStalledCheckMs,
    onSnapshotConfirmed: (at) => freshness.confirmed(at),
    service,
    log,
    metrics,
    ...(dependencies.hooks ? { hooks: dependencies.hooks } : {}),
  });

  // Timelapses, heatmaps and datasets: their own queue, so a long render never delays a snapshot.
  const historyJobs = config.history
    ? createHistoryJobs({
        connection: bullConnection,
        canvasId: config.canvasId,
        source: createHistorySource({ objects, redis, canvasId: config.canvasId }),
        s3,
        signer: config.history.downloadEndpoint
          ? createS3Client({ ...config.s3, endpoint: config.history.downloadEndpoint }, { credentials: s3.config.credentials })
          : s3,
        bucket: config.s3.bucket,
        folder: canvasFolder(config.s3.prefix, config.canvasId),
        ffmpegPath: config.history.ffmpegPath,
        timelapsePreset: config.history.timelapsePreset,
        datasetSalt: config.history.datasetUserSalt,
        linkTtlSeconds: config.history.linkTtlSeconds,
        lockDurationMs: Math.max(config.snapshotLockMs, 30_000),
        log,
        onJobEnd: (kind, outcome, seconds) => metrics.historyJobs.observe({ kind, outcome }, seconds),
      })
    : undefined;

  // Previous colours from the archive for "revert a user": always on, it needs only S3 and Redis.
  const revertHistory = createRevertHistoryWorker({
    connection: bullConnection,
    canvasId: config.canvasId,
    source: createHistorySource({ objects, redis, canvasId: config.canvasId }),
    log,
    onJobEnd: (outcome, seconds) => metrics.historyJobs.observe({ kind: 'revert-history', outcome }, seconds),
  });

  const freshness = createSnapshotFreshness({
    redis,
    canvasId: config.canvasId,
    intervalMs: config.snapshotIntervalMs,
    maxAgeIntervals: config.snapshotMaxAgeIntervals,
  });
  metrics.measureAgeWith(() => freshness.ageSeconds());

  const watchIntervalMs = Math.min(config.snapshotIntervalMs, MAX_WATCH_INTERVAL_MS);
  let state: 'idle' | 'starting' | 'ready' | 'stopped' = 'idle';
  let notReady = 'starting';
  let starting: Promise<void> | undefined;
  let wake: (() => void) | undefined;

  const pause = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  /**
   * While running: if Redis loses everything (a restart without persistence) while this process
   * lives, restore the canvas and put the schedule back, without waiting for a restart.
   */
  let watchTimer: NodeJS.Timeout | undefined;
  let watching: Promise<void> | undefined;
  let lastWatchError = '';
  function watch(): void {
    if (state !== 'ready') return;
    watchTimer = setTimeout(() => {
      watching = (async () => {
        try {
          const outcome = await service.restoreNewestIfMissing();
          if (outcome.status === 'empty') await createCanvasIfMissing(redis, config.canvasId, config.canvasDefaults);
          if (outcome.status !== 'exists') log.warn({ status: outcome.status }, 'the canvas vanished from Redis while running: recovered it');
          await worker.ensureSchedule();
          // Jobs the other replicas ran count for this one's age check and metric too.
          await freshness.refresh();
          lastWatchError = '';
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          // Once per distinct failure: a long outage must not flood the log.
          if (message !== lastWatchError) log.error({ err: error }, 'checking for a lost canvas failed: retrying');
          lastWatchError = message;
        }
      })().finally(() => {
        watching = undefined;
        watch();
      });
    }, watchIntervalMs);
  }

  async function bootstrap(): Promise<boolean> {
    for (let attempt = 0; state === 'starting'; attempt++) {
      try {
        notReady = 'checking for a canvas to restore';
        const outcome = await service.restoreNewestIfMissing();
        if (outcome.status === 'empty') {
          const created = await createCanvasIfMissing(redis, config.canvasId, config.canvasDefaults);
          if (created) log.info({ canvasId: config.canvasId, ...config.canvasDefaults, palette: undefined }, 'no canvas and no snapshot: created a new canvas');
        } else if (outcome.status === 'exists') {
          log.info({ canvasId: config.canvasId }, 'Redis holds the canvas: nothing to restore');
        }
        return true;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        notReady = `start-up restore failed, retrying: ${message}`;
        log.error({ err: error, attempt }, 'start-up restore failed: retrying');
        await pause(Math.min(500 * 2 ** attempt, MAX_BOOT_BACKOFF_MS));
      }
    }
    return false;
  }

  return {
    service,
    worker,
    start() {
      if (state !== 'idle') return starting ?? Promise.resolve();
      state = 'starting';
      starting = (async () => {
        if (!(await bootstrap())) return;
        notReady = 'starting the worker';
        await worker.start();
        await historyJobs?.start();
        await revertHistory.start();
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- stop() may run during the awaits above
        if (state === 'starting') state = 'ready';
        watch();
      })();
      return starting;
    },
    async stop(timeoutMs) {
      const wasStarted = state !== 'idle';
      state = 'stopped';
      notReady = 'stopping';
      wake?.();
      clearTimeout(watchTimer);
      if (wasStarted) await starting?.catch(() => undefined);
      await watching;
      clearTimeout(watchTimer);
      await Promise.all([worker.close(timeoutMs), historyJobs?.close(timeoutMs), revertHistory.close(timeoutMs)]);
    },
    readiness() {
      if (state === 'ready') return bullConnection.status === 'ready' ? undefined : `redis (queue) is ${bullConnection.status}`;
      return notReady;
    },
    snapshotAgeProblem: () => freshness.problem(),
  };
}

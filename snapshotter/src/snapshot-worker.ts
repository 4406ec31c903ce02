import { hostname } from 'node:os';
import { encodeSnapshotFailure, SnapshotFailureCode } from '@tessera/protocol';
import type { Logger } from '@tessera/runtime';
import { Queue, UnrecoverableError, Worker, type Job, type JobsOptions } from 'bullmq';
import type { RedisConnection } from '@tessera/store';
import { SnapshotFormatError } from './format-error.js';
import type { SnapshotMetrics } from './metrics.js';
import {
  SNAPSHOT_QUEUE_PREFIX,
  SNAPSHOT_SCHEDULER_ID,
  snapshotQueueName,
  SnapshotJob,
  type ListJobData,
  type ListResult,
  type RegionJobData,
  type RegionResult,
  type RestoreJobData,
  type RestoreResult,
  type SnapshotResult,
} from './snapshot-jobs.js';
import { SnapshotRequestError, type SnapshotService } from './snapshot-service.js';

/** Options of every scheduled snapshot: a failure retries with backoff, and finished jobs do not pile up. */
export const SCHEDULED_JOB_OPTIONS = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: 100,
  removeOnFail: 500,
} as const satisfies JobsOptions;

export const WORKER_DEFAULTS = {
  /**
   * A job's lock lives this long without renewal (BullMQ renews it every half); past it the job
   * counts as stalled and another replica may take it. The queue runs one job at a time, so a
   * replica killed mid-job stops every snapshot until then (SNAPSHOT_LOCK_MS sets it in the service).
   */
  lockDurationMs: 10_000,
  /** How often replicas look for jobs whose lock lapsed (BullMQ's default is 30 s). */
  stalledIntervalMs: 5_000,
} as const;

/** Called around every job; tests record runs with them. */
export interface JobHooks {
  onStart?(name: string, jobId: string | undefined): void | Promise<void>;
  onEnd?(name: string, jobId: string | undefined, outcome: 'completed' | 'failed'): void | Promise<void>;
}

export interface SnapshotWorkerOptions {
  /** For BullMQ: must have `maxRetriesPerRequest: null` (a blocking connection is duplicated from it). */
  readonly connection: RedisConnection;
  readonly canvasId: string;
  readonly intervalMs: number;
  readonly service: SnapshotService;
  readonly log: Logger;
  readonly metrics: SnapshotMetrics;
  readonly hooks?: JobHooks;
  /** Default WORKER_DEFAULTS.lockDurationMs. */
  readonly lockDurationMs?: number;
  /** Default WORKER_DEFAULTS.stalledIntervalMs. */
  readonly stalledIntervalMs?: number;
  /** Called after each successful snapshot job (written or unchanged), with its end time. */
  readonly onSnapshotConfirmed?: (atMs: number) => Promise<void>;
}

export interface SnapshotWorker {
  /** Installs the schedule and the global concurrency of one, then starts taking jobs. */
  start(): Promise<void>;
  /**
   * Puts the schedule and the concurrency limit back if Redis lost them (a restart without
   * persistence); true when something was missing.
   */
  ensureSchedule(): Promise<boolean>;
  /** Waits for the running job up to `timeoutMs`, then abandons it (its lock lapses and another replica retries it). */
  close(timeoutMs: number): Promise<void>;
  readonly running: boolean;
}

type JobResult = SnapshotResult | RestoreResult | ListResult | RegionResult;

/**
 * The BullMQ side: one queue per canvas, a job scheduler that snapshots every interval, and a
 * worker for scheduled and on-demand jobs. `setGlobalConcurrency(1)` makes the queue hand out at
 * most one active job at a time across every replica, so two snapshots (or a snapshot and a
 * restore) never overlap.
 */
export function createSnapshotWorker(options: SnapshotWorkerOptions): SnapshotWorker {
  const { connection, canvasId, intervalMs, service, log, metrics, hooks } = options;
  const name = snapshotQueueName(canvasId);
  const queue = new Queue(name, { connection, prefix: SNAPSHOT_QUEUE_PREFIX });
  queue.on('error', (error) => log.warn({ err: error.message }, 'snapshot queue error'));

  const processJob = async (job: Job): Promise<JobResult> => {
    await hooks?.onStart?.(job.name, job.id);
    let outcome: 'completed' | 'failed' = 'failed';
    try {
      const result = await run(job);
      outcome = 'completed';
      if (job.name === SnapshotJob.Snapshot) {
        const at = Date.now();
        metrics.lastSuccess.set(at / 1000);
        // Best effort: the age check falls back on this replica's own record.
        await options.onSnapshotConfirmed?.(at).catch((error: unknown) => log.warn({ err: error }, 'could not record the snapshot time in Redis'));
      }
      return result;
    } catch (error) {
      // A request that cannot succeed (bad key, corrupt object) is not retried; its code reaches the caller.
      if (error instanceof SnapshotRequestError) throw new UnrecoverableError(encodeSnapshotFailure(error.code, error.message));
      if (error instanceof SnapshotFormatError) throw new UnrecoverableError(encodeSnapshotFailure(SnapshotFailureCode.Unreadable, error.message));
      // Retried; coded too, so no message text (whatever it starts with) can pass for another code.
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(encodeSnapshotFailure(SnapshotFailureCode.Failed, message), { cause: error });
    } finally {
      await hooks?.onEnd?.(job.name, job.id, outcome);
    }
  };

  const run = async (job: Job): Promise<JobResult> => {
    switch (job.name) {
      case SnapshotJob.Snapshot:
        return service.take();
      case SnapshotJob.Restore: {
        const { key } = (job.data ?? {}) as Partial<RestoreJobData>;
        if (typeof key !== 'string') throw new SnapshotRequestError('a restore job needs { key }');
        return service.restore(key);
      }
      case SnapshotJob.List: {
        const { limit } = (job.data ?? {}) as ListJobData;
        const bounded = typeof limit === 'number' && Number.isInteger(limit) && limit > 0 ? Math.min(limit, 10_000) : 100;
        return { snapshots: await service.list(bounded) };
      }
      case SnapshotJob.Region: {
        const { key, rect } = (job.data ?? {}) as Partial<RegionJobData>;
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- job data comes from the queue: checked, not trusted
        if (typeof key !== 'string' || typeof rect !== 'object' || rect === null) throw new SnapshotRequestError('a region job needs { key, rect }');
        const pixels = await service.readRegion(key, rect);
        return { width: rect.width, height: rect.height, pixels: Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength).toString('base64') };
      }
      default:
        throw new SnapshotRequestError(`unknown job ${JSON.stringify(job.name)}`);
    }
  };

  const worker = new Worker(name, processJob, {
    connection,
    prefix: SNAPSHOT_QUEUE_PREFIX,
    autorun: false,
    concurrency: 1,
    lockDuration: options.lockDurationMs ?? WORKER_DEFAULTS.lockDurationMs,
    stalledInterval: options.stalledIntervalMs ?? WORKER_DEFAULTS.stalledIntervalMs,
    // Shown as a job's processedBy: which replica holds (or held) a job.
    name: `${hostname()}:${process.pid}`,
  });
  worker.on('failed', (job, error) => {
    metrics.failures.inc({ job: job?.name ?? 'unknown' });
    const attempts = job?.opts.attempts ?? 1;
    const willRetry = job !== undefined && job.attemptsMade < attempts && !(error instanceof UnrecoverableError);
    log.warn({ job: job?.name, jobId: job?.id, attempt: job?.attemptsMade, attempts, willRetry, err: error.message }, 'snapshot job failed');
  });
  worker.on('error', (error) => log.warn({ err: error.message }, 'snapshot worker error'));

  let running = false;
  let loop: Promise<void> | undefined;

  const installSchedule = async (): Promise<void> => {
    // The limit first: a scheduled job must never find the queue without it.
    await queue.setGlobalConcurrency(1);
    // Every replica upserts the same scheduler: the interval follows the newest deployment.
    await queue.upsertJobScheduler(SNAPSHOT_SCHEDULER_ID, { every: intervalMs }, { name: SnapshotJob.Snapshot, data: {}, opts: SCHEDULED_JOB_OPTIONS });
  };

  return {
    get running() {
      return running;
    },
    async start() {
      await installSchedule();
      running = true;
      loop = worker.run().catch((error: unknown) => {
        log.error({ err: error }, 'snapshot worker stopped');
      });
      log.info({ queue: name, intervalMs }, 'snapshot worker started');
    },
    async ensureSchedule() {
      const [concurrency, scheduler] = await Promise.all([queue.getGlobalConcurrency(), queue.getJobScheduler(SNAPSHOT_SCHEDULER_ID)]);
      if (concurrency === 1 && scheduler) return false;
      log.warn({ queue: name }, 'the snapshot schedule was missing from Redis: installing it again');
      await installSchedule();
      return true;
    },
    async close(timeoutMs) {
      running = false;
      let timer: NodeJS.Timeout | undefined;
      const gentle = worker.close();
      const timedOut = await Promise.race([
        gentle.then(() => false),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), timeoutMs);
        }),
      ]);
      clearTimeout(timer);
      if (timedOut) {
        log.warn({ timeoutMs }, 'a snapshot job outlived the shutdown wait: abandoning it (another replica retries it)');
        await worker.close(true);
      }
      await loop;
      await queue.close();
    },
  };
}

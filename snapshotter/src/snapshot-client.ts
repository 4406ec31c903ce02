/**
 * What the gateway's admin API uses to list, take and restore snapshots: it only adds jobs to the
 * snapshot queue and waits for their results, so it needs Redis but no S3 credentials, and it
 * imports nothing from the S3 side (`@tessera/snapshotter/client`).
 */
import { decodeSnapshotFailure, SnapshotFailureCode } from '@tessera/protocol';
import { Queue, QueueEvents, type ConnectionOptions, type Job, type JobsOptions } from 'bullmq';
import type { RedisConnection } from '@tessera/store';
import { Cluster, Redis } from 'ioredis';
import {
  SNAPSHOT_QUEUE_PREFIX,
  snapshotQueueName,
  SnapshotJob,
  type ListJobData,
  type ListResult,
  type RegionJobData,
  type RegionRect,
  type RegionResult,
  type RestoreJobData,
  type RestoreResult,
  type SnapshotInfo,
  type SnapshotResult,
} from './snapshot-jobs.js';

export * from './snapshot-jobs.js';

export const SNAPSHOT_CLIENT_DEFAULTS = {
  /** How long a call waits for a snapshotter to finish the job (a restore of a big canvas takes seconds). */
  timeoutMs: 120_000,
} as const;

export interface SnapshotClientOptions {
  /**
   * An ioredis client (any options, e.g. the gateway's fail-fast one) or connection options. A
   * client is shared for adding jobs; the events listener always opens its own blocking
   * connection from the same options.
   */
  readonly connection: RedisConnection | ConnectionOptions;
  readonly canvasId: string;
  /** Default SNAPSHOT_CLIENT_DEFAULTS.timeoutMs. */
  readonly timeoutMs?: number;
}

export interface SnapshotClient {
  /** Snapshots in the bucket, newest first. */
  list(limit?: number): Promise<SnapshotInfo[]>;
  /** Snapshots now (unless the canvas is unchanged since the newest one). */
  takeNow(): Promise<SnapshotResult>;
  /** Replaces the canvas with a snapshot from `list()`; clients resynchronise by themselves. */
  restore(key: string): Promise<RestoreResult>;
  /**
   * The palette indices of `rect` in a snapshot, width × height bytes row by row (pixels outside
   * the snapshot's canvas: 0); at most MAX_REGION_PIXELS. For rolling an area back.
   */
  readRegion(key: string, rect: RegionRect): Promise<Uint8Array>;
  close(): Promise<void>;
}

/**
 * A job no snapshotter finished in time, or that failed: `code` says why (callers switch on it),
 * `message` is the snapshotter's reason for people.
 */
export class SnapshotClientError extends Error {
  override readonly name = 'SnapshotClientError';

  constructor(
    readonly code: SnapshotFailureCode,
    message: string,
  ) {
    super(message);
  }
}

/** On-demand jobs run once: the caller is waiting, and retrying a restore behind its back would surprise it. */
const ON_DEMAND: JobsOptions = { attempts: 1, removeOnComplete: 100, removeOnFail: 500 };
/** A region result can weigh megabytes: it is not kept in Redis for long. */
const REGION: JobsOptions = { ...ON_DEMAND, removeOnComplete: { age: 60 } };

export function createSnapshotClient(options: SnapshotClientOptions): SnapshotClient {
  const name = snapshotQueueName(options.canvasId);
  const timeoutMs = options.timeoutMs ?? SNAPSHOT_CLIENT_DEFAULTS.timeoutMs;
  const queue = new Queue(name, { connection: options.connection, prefix: SNAPSHOT_QUEUE_PREFIX });
  const events = new QueueEvents(name, { connection: blockingOptions(options.connection), prefix: SNAPSHOT_QUEUE_PREFIX });
  // Errors surface through the calls; the emitters must not throw them as unhandled 'error' events.
  queue.on('error', () => undefined);
  events.on('error', () => undefined);

  const call = async <T>(jobName: SnapshotJob, data: object, jobOptions: JobsOptions = ON_DEMAND): Promise<T> => {
    // Adding fails fast with the caller's client when Redis is down; waiting is bounded by timeoutMs
    // (and BullMQ checks the job's state once its listener is up, so an early finish is not missed).
    // The events connection must be up before the job can finish, or its completion can pass
    // before anything listens (a first call right after start-up).
    await events.waitUntilReady();
    const job: Job = await queue.add(jobName, data, jobOptions);
    try {
      return (await job.waitUntilFinished(events, timeoutMs)) as T;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // BullMQ's own wait timeout (job.ts), told apart from a job whose reason mentions a timeout.
      if (/^Job wait .* timed out before finishing/.test(message)) {
        // Never let a restore nobody is waiting for run later by surprise; a job already running finishes.
        await job.remove().catch(() => undefined);
        throw new SnapshotClientError(SnapshotFailureCode.TimedOut, `no snapshotter finished the ${jobName} job within ${timeoutMs} ms`);
      }
      const failure = decodeSnapshotFailure(message);
      throw new SnapshotClientError(failure.code, failure.message);
    }
  };

  return {
    async list(limit) {
      const data: ListJobData = limit === undefined ? {} : { limit };
      const result = await call<ListResult>(SnapshotJob.List, data);
      return [...result.snapshots];
    },
    takeNow: () => call<SnapshotResult>(SnapshotJob.Snapshot, {}),
    restore: (key) => call<RestoreResult>(SnapshotJob.Restore, { key } satisfies RestoreJobData),
    async readRegion(key, rect) {
      const data: RegionJobData = { key, rect: { x: rect.x, y: rect.y, width: rect.width, height: rect.height } };
      const result = await call<RegionResult>(SnapshotJob.Region, data, REGION);
      return new Uint8Array(Buffer.from(result.pixels, 'base64'));
    },
    async close() {
      await Promise.all([events.close(), queue.close()]);
    },
  };
}

/**
 * Options for the blocking events connection. BullMQ refuses a shared client whose
 * `maxRetriesPerRequest` is not null for blocking reads, so a client's options are copied with
 * the settings a blocking reader needs.
 */
function blockingOptions(connection: RedisConnection | ConnectionOptions): ConnectionOptions {
  // A cluster's nodes are not in its options: BullMQ duplicates the client itself, which needs
  // `maxRetriesPerRequest: null` (createRedisClient with failFast false).
  if (connection instanceof Cluster) return connection;
  if (!(connection instanceof Redis)) return connection;
  return { ...connection.options, maxRetriesPerRequest: null, enableOfflineQueue: true, lazyConnect: false } as ConnectionOptions;
}

import { AdminErrorCode, AuditAction, type AdminIdentity } from '@tessera/protocol';
import { createRedisClient, type Logger, type RedisConfig } from '@tessera/runtime';
import { appendAudit, readCanvasConfig, type RedisConnection } from '@tessera/store';
import type { HistoryJobsClient, HistoryJobView } from '@tessera/snapshotter/history-client';
import { AdminFailure } from './admin-operations.js';

/**
 * Timelapses, heatmaps, virgin maps and datasets for the admin API: requests are checked here and
 * queued for the snapshotter (`@tessera/snapshotter/history-client`: BullMQ on Redis, no S3
 * credentials in the gateway); progress is read straight from the queue; a download is a
 * presigned S3 link the snapshotter signs on each request (see history-jobs-worker.ts for why).
 */
export interface HistoryJobsOperations {
  start(admin: AdminIdentity, body: unknown): Promise<{ job: HistoryJobView }>;
  list(limit: number): Promise<{ jobs: HistoryJobView[] }>;
  get(id: string): Promise<{ job: HistoryJobView }>;
  link(id: string): Promise<{ url: string; expiresAt: number; fileName: string }>;
  /** Finished dataset jobs, for the public download page (only when the canvas allows it). */
  publicDatasets(): Promise<HistoryJobView[] | undefined>;
  /** A link to a finished dataset, undefined when it is not public or not a dataset. */
  publicLink(id: string): Promise<{ url: string } | undefined>;
  close(): Promise<void>;
}

/** Refusals of the request check, as admin API codes (all 400). */
const PROBLEM_CODES: Record<string, AdminErrorCode> = {
  INVALID_REQUEST: AdminErrorCode.InvalidPayload,
  INVALID_RANGE: AdminErrorCode.InvalidRange,
  RANGE_TOO_LONG: AdminErrorCode.RangeTooLong,
  REGION_OUT_OF_BOUNDS: AdminErrorCode.RegionOutOfBounds,
  INVALID_TIMELAPSE: AdminErrorCode.InvalidTimelapse,
  TOO_MANY_FRAMES: AdminErrorCode.TooManyFrames,
  FRAME_TOO_LARGE: AdminErrorCode.FrameTooLarge,
};

export function createHistoryJobsOperations(deps: {
  readonly redis: RedisConnection;
  readonly redisConfig: RedisConfig;
  readonly canvasId: string;
  /** History jobs run on the snapshotter: without one (SNAPSHOTS_ENABLED=false) they answer 503. */
  readonly enabled: boolean;
  readonly log: Logger;
}): HistoryJobsOperations {
  const { redis, canvasId, log } = deps;
  let client: Promise<HistoryJobsClient> | undefined;
  let connection: RedisConnection | undefined;

  const jobs = async (): Promise<HistoryJobsClient> => {
    if (!deps.enabled)
      throw new AdminFailure(
        503,
        AdminErrorCode.SnapshotsUnavailable,
        'no snapshotter is deployed for this canvas (SNAPSHOTS_ENABLED): history jobs run on it',
      );
    client ??= (async () => {
      // Imported on demand: a gateway without a snapshotter never loads BullMQ.
      const { createHistoryJobsClient } = await import('@tessera/snapshotter/history-client');
      connection = createRedisClient(deps.redisConfig, log, { name: 'gateway-history-jobs', failFast: false, autoPipelining: false });
      return createHistoryJobsClient({ connection, canvasId });
    })();
    client.catch(() => (client = undefined));
    return client;
  };

  const find = async (id: string): Promise<HistoryJobView> => {
    const job = await (await jobs()).get(id);
    if (!job) throw new AdminFailure(404, AdminErrorCode.NotFound, `no history job ${id}`);
    return job;
  };

  const sign = async (id: string) => {
    try {
      return await (await jobs()).link(id);
    } catch (error) {
      log.warn({ err: error instanceof Error ? error.message : String(error), id }, 'could not sign a download link');
      throw new AdminFailure(503, AdminErrorCode.SnapshotsUnavailable, 'no snapshotter signed the download link in time; try again');
    }
  };

  return {
    async start(admin, body) {
      const canvas = await readCanvasConfig(redis, canvasId);
      if (!canvas) throw new AdminFailure(503, AdminErrorCode.CanvasUnavailable, 'the canvas does not exist');
      const outcome = await (await jobs()).start(body, admin.name, canvas);
      if (!outcome.ok) {
        if (outcome.code === 'HISTORY_JOBS_BUSY') throw new AdminFailure(429, AdminErrorCode.HistoryJobsBusy, outcome.message);
        throw new AdminFailure(400, PROBLEM_CODES[outcome.code] ?? AdminErrorCode.InvalidPayload, outcome.message);
      }
      await appendAudit(redis, canvasId, AuditAction.StartHistoryJob, { actor: admin.name, details: { id: outcome.job.id, request: outcome.job.request } });
      return { job: outcome.job };
    },
    async list(limit) {
      return { jobs: await (await jobs()).list(limit) };
    },
    async get(id) {
      return { job: await find(id) };
    },
    async link(id) {
      const job = await find(id);
      if (job.state !== 'completed') throw new AdminFailure(409, AdminErrorCode.Conflict, `history job ${id} is ${job.state}, not completed`);
      const link = await sign(id);
      if (!link) throw new AdminFailure(404, AdminErrorCode.NotFound, `history job ${id} has no artifact (it expired from the queue)`);
      return link;
    },
    async publicDatasets() {
      if (!deps.enabled || !(await readCanvasConfig(redis, canvasId))?.datasetsPublic) return undefined;
      return (await (await jobs()).list(200)).filter((job) => job.state === 'completed' && job.request.kind === 'dataset');
    },
    async publicLink(id) {
      const datasets = await this.publicDatasets();
      if (!datasets?.some((job) => job.id === id)) return undefined;
      return sign(id);
    },
    async close() {
      const made = await client?.catch(() => undefined);
      await made?.close().catch(() => undefined);
      connection?.disconnect();
    },
  };
}

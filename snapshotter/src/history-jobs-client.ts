/**
 * What the gateway's admin API uses for history jobs (`@tessera/snapshotter/history-client`): it
 * adds jobs, reads their state and progress straight from the queue in Redis, and asks the
 * snapshotter for download links. No S3 credentials, nothing from the S3 side.
 */
import { Queue, type ConnectionOptions, type Job } from 'bullmq';
import type { RedisConnection } from '@tessera/store';
import { checkHistoryRequest, type HistoryRequestProblem } from './history-job-validation.js';
import {
  HISTORY_JOB_LIMITS,
  HISTORY_QUEUE_PREFIX,
  historyLinkQueueName,
  historyQueueName,
  type HistoryJobData,
  type HistoryJobProgress,
  type HistoryJobRequest,
  type HistoryJobResult,
  type LinkJobData,
  type LinkJobResult,
} from './history-job-types.js';

export * from './history-job-types.js';
export * from './history-job-validation.js';

export type HistoryJobState = 'waiting' | 'active' | 'completed' | 'failed';

export interface HistoryJobView {
  readonly id: string;
  readonly state: HistoryJobState;
  readonly request: HistoryJobRequest;
  readonly requestedBy: string;
  readonly createdAt: number;
  readonly finishedAt?: number;
  readonly progress: HistoryJobProgress;
  readonly result?: HistoryJobResult;
  /** Why it failed (the worker's message). */
  readonly error?: string;
}

export type StartOutcome =
  | { readonly ok: true; readonly job: HistoryJobView }
  | { readonly ok: false; readonly code: HistoryRequestProblem | 'HISTORY_JOBS_BUSY'; readonly message: string };

export interface HistoryJobsClient {
  /** Checks the request against the canvas size and the queue's length, then queues it. */
  start(request: unknown, requestedBy: string, canvas: { width: number; height: number }): Promise<StartOutcome>;
  /** Newest first. */
  list(limit?: number): Promise<HistoryJobView[]>;
  get(id: string): Promise<HistoryJobView | undefined>;
  /** A presigned link to a finished job's artifact; undefined when the job is not finished. */
  link(id: string): Promise<(LinkJobResult & { readonly fileName: string }) | undefined>;
  close(): Promise<void>;
}

/** Finished jobs (and their results) kept for the list. */
const KEEP_FINISHED = 200;
/** How long a link request waits for a snapshotter. */
const LINK_TIMEOUT_MS = 15_000;

export function createHistoryJobsClient(options: { connection: RedisConnection | ConnectionOptions; canvasId: string }): HistoryJobsClient {
  const queue = new Queue<HistoryJobData, HistoryJobResult>(historyQueueName(options.canvasId), {
    connection: options.connection,
    prefix: HISTORY_QUEUE_PREFIX,
  });
  const links = new Queue<LinkJobData, LinkJobResult>(historyLinkQueueName(options.canvasId), { connection: options.connection, prefix: HISTORY_QUEUE_PREFIX });
  for (const emitter of [queue, links]) emitter.on('error', () => undefined);

  const view = async (job: Job<HistoryJobData, HistoryJobResult>): Promise<HistoryJobView | undefined> => {
    const data = job.data;
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- job data comes from Redis: checked, not trusted
    if (!data?.request) return undefined;
    const raw = await job.getState();
    const state: HistoryJobState = raw === 'completed' || raw === 'failed' || raw === 'active' ? raw : 'waiting';
    const progress =
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- job data comes from Redis: checked, not trusted
      typeof job.progress === 'object' && job.progress !== null ? (job.progress as unknown as HistoryJobProgress) : { fraction: 0, stage: 'queued' };
    return {
      id: String(job.id),
      state,
      request: data.request,
      requestedBy: data.requestedBy,
      createdAt: job.timestamp,
      ...(job.finishedOn ? { finishedAt: job.finishedOn } : {}),
      progress: state === 'waiting' ? { fraction: 0, stage: 'queued' } : progress,
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- job data comes from Redis: checked, not trusted
      ...(state === 'completed' && job.returnvalue ? { result: job.returnvalue } : {}),
      ...(state === 'failed' ? { error: job.failedReason } : {}),
    };
  };

  return {
    async start(input, requestedBy, canvas) {
      const checked = checkHistoryRequest(input, canvas);
      if (!checked.ok) return checked;
      const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      const pending = Object.values(counts).reduce((sum, count) => sum + count, 0);
      if (pending >= HISTORY_JOB_LIMITS.maxQueuedJobs) {
        return {
          ok: false,
          code: 'HISTORY_JOBS_BUSY',
          message: `${pending} history jobs are waiting or running: at most ${HISTORY_JOB_LIMITS.maxQueuedJobs}; try again when one finishes`,
        };
      }
      const job = await queue.add(
        checked.request.kind,
        { request: checked.request, requestedBy },
        {
          attempts: 2,
          backoff: { type: 'fixed', delay: 5_000 },
          removeOnComplete: KEEP_FINISHED,
          removeOnFail: KEEP_FINISHED,
        },
      );
      const shown = await view(job);
      if (!shown) throw new Error('a job just queued could not be read back');
      return { ok: true, job: shown };
    },
    async list(limit = 50) {
      const jobs = await queue.getJobs(['active', 'waiting', 'prioritized', 'delayed', 'completed', 'failed'], 0, Math.max(0, limit - 1), false);
      const views = (await Promise.all(jobs.map(view))).filter((job): job is HistoryJobView => job !== undefined);
      return views.sort((a, b) => b.createdAt - a.createdAt || Number(b.id) - Number(a.id)).slice(0, limit);
    },
    async get(id) {
      if (!/^[0-9]{1,20}$/.test(id)) return undefined;
      const job = await queue.getJob(id);
      return job ? view(job) : undefined;
    },
    async link(id) {
      const job = await this.get(id);
      if (!job?.result) return undefined;
      const data: LinkJobData = { key: job.result.key, fileName: job.result.fileName, contentType: job.result.contentType };
      const signing = await links.add('link', data, { attempts: 1, removeOnComplete: { age: 60 }, removeOnFail: { age: 600 } });
      // Polled rather than awaited through QueueEvents: a gateway then holds no blocking connection for links.
      const deadline = Date.now() + LINK_TIMEOUT_MS;
      for (let wait = 5; Date.now() < deadline; wait = Math.min(wait * 2, 100)) {
        const state = await signing.getState();
        if (state === 'completed' || state === 'failed') {
          const done = await links.getJob(signing.id!);
          if (state === 'completed' && done?.returnvalue) return { ...done.returnvalue, fileName: job.result.fileName };
          throw new Error(`signing the link failed: ${done?.failedReason ?? 'unknown'}`);
        }
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
      await signing.remove().catch(() => undefined);
      throw new Error(`no snapshotter signed the link within ${LINK_TIMEOUT_MS} ms`);
    },
    async close() {
      await Promise.all([queue.close(), links.close()]);
    },
  };
}

/**
 * What the gateway's admin API uses to ask the snapshotter for archived previous colours
 * (`@tessera/snapshotter/revert-history-client`): it adds a job to the revert-history queue and
 * polls for its result, so it needs Redis but no S3 credentials and holds no blocking connection.
 */
import { Queue, type ConnectionOptions } from 'bullmq';
import type { RedisConnection } from '@tessera/store';
import {
  checkRevertHistoryRequest,
  decodeArchivedPixels,
  REVERT_HISTORY_LIMITS,
  REVERT_HISTORY_QUEUE_PREFIX,
  revertHistoryQueueName,
  RevertHistoryProblem,
  type ArchivedPixel,
  type RevertHistoryJobData,
  type RevertHistoryResult,
} from './revert-history-types.js';

export * from './revert-history-types.js';

export type ArchivedRevertAnswer = Omit<RevertHistoryResult, 'pixels'> & { readonly pixels: ArchivedPixel[] };

/** The request was refused for a reason the caller can act on (code from RevertHistoryProblem). */
export class RevertHistoryRefused extends Error {
  override readonly name = 'RevertHistoryRefused';
  constructor(
    readonly code: RevertHistoryProblem | 'BUSY',
    message: string,
  ) {
    super(message);
  }
}

/** No snapshotter answered in time, or it failed for another reason. */
export class RevertHistoryUnavailable extends Error {
  override readonly name = 'RevertHistoryUnavailable';
}

export interface RevertHistoryClient {
  previousColors(request: RevertHistoryJobData): Promise<ArchivedRevertAnswer>;
  close(): Promise<void>;
}

const PROBLEMS = Object.values(RevertHistoryProblem) as string[];

export function createRevertHistoryClient(options: {
  connection: RedisConnection | ConnectionOptions;
  canvasId: string;
  timeoutMs: number;
}): RevertHistoryClient {
  const queue = new Queue<RevertHistoryJobData, RevertHistoryResult>(revertHistoryQueueName(options.canvasId), {
    connection: options.connection,
    prefix: REVERT_HISTORY_QUEUE_PREFIX,
  });
  queue.on('error', () => undefined);
  return {
    async previousColors(request) {
      const checked = checkRevertHistoryRequest(request);
      if (!checked.ok) throw new RevertHistoryRefused(checked.code, checked.message);
      const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      const pending = Object.values(counts).reduce((sum, count) => sum + count, 0);
      if (pending >= REVERT_HISTORY_LIMITS.maxQueuedJobs)
        throw new RevertHistoryRefused('BUSY', `${pending} archived-history reads are waiting or running; try again shortly`);
      // The answer can weigh megabytes: it is not kept in Redis for long.
      const job = await queue.add(
        'previous-colours',
        { userId: request.userId, since: request.since, until: request.until },
        { attempts: 1, removeOnComplete: { age: 60 }, removeOnFail: { age: 600 } },
      );
      const deadline = Date.now() + options.timeoutMs;
      for (let wait = 5; Date.now() < deadline; wait = Math.min(wait * 2, 100)) {
        const state = await job.getState();
        if (state === 'completed' || state === 'failed') {
          const done = await queue.getJob(job.id!);
          if (state === 'completed' && done?.returnvalue) {
            const result = done.returnvalue;
            return { ...result, pixels: decodeArchivedPixels(result, request.since) };
          }
          const reason = done?.failedReason ?? 'unknown';
          const code = reason.split(':')[0] ?? '';
          if (PROBLEMS.includes(code)) throw new RevertHistoryRefused(code as RevertHistoryProblem, reason.slice(code.length + 1).trim());
          throw new RevertHistoryUnavailable(`reading the archived history failed: ${reason}`);
        }
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
      // Nobody waits for it any more: never let it run later by surprise.
      await job.remove().catch(() => undefined);
      throw new RevertHistoryUnavailable(`no snapshotter read the archived history within ${options.timeoutMs} ms`);
    },
    async close() {
      await queue.close();
    },
  };
}

/**
 * The snapshotter's side of "revert a user" over archived history: a BullMQ worker on the
 * revert-history queue answering "the colour before the user's first placement, per pixel" from
 * the keyframe and segments in S3 (revert-history.ts). One job at a time per replica: a job reads
 * a month of segments at most and holds one canvas in memory.
 */
import { hostname } from 'node:os';
import type { Logger } from '@tessera/runtime';
import type { RedisConnection } from '@tessera/store';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { HistorySource } from './history-replay.js';
import { previousColorsFromArchive, RevertHistoryRefusal } from './revert-history.js';
import {
  checkRevertHistoryRequest,
  REVERT_HISTORY_QUEUE_PREFIX,
  revertHistoryQueueName,
  type RevertHistoryJobData,
  type RevertHistoryResult,
} from './revert-history-types.js';

export interface RevertHistoryWorker {
  start(): Promise<void>;
  close(timeoutMs: number): Promise<void>;
}

export function createRevertHistoryWorker(options: {
  /** For BullMQ (`maxRetriesPerRequest: null`). */
  readonly connection: RedisConnection;
  readonly canvasId: string;
  readonly source: HistorySource;
  readonly log: Logger;
  readonly onJobEnd?: (outcome: 'completed' | 'failed', seconds: number) => void;
}): RevertHistoryWorker {
  const { log } = options;
  const run = async (job: Job<RevertHistoryJobData>): Promise<RevertHistoryResult> => {
    const started = performance.now();
    let outcome: 'completed' | 'failed' = 'failed';
    try {
      const checked = checkRevertHistoryRequest(job.data);
      if (!checked.ok) throw new UnrecoverableError(`${checked.code}: ${checked.message}`);
      const result = await previousColorsFromArchive(options.source, checked);
      outcome = 'completed';
      log.info(
        {
          jobId: job.id,
          userId: checked.userId,
          since: checked.since,
          pixels: result.count,
          events: result.events,
          gap: result.gap,
          ms: Math.round(performance.now() - started),
        },
        'revert history read',
      );
      return result;
    } catch (error) {
      if (error instanceof RevertHistoryRefusal) throw new UnrecoverableError(error.message);
      throw error;
    } finally {
      options.onJobEnd?.(outcome, (performance.now() - started) / 1000);
    }
  };
  const worker = new Worker<RevertHistoryJobData, RevertHistoryResult>(revertHistoryQueueName(options.canvasId), run, {
    connection: options.connection,
    prefix: REVERT_HISTORY_QUEUE_PREFIX,
    autorun: false,
    concurrency: 1,
    name: `${hostname()}:${process.pid}`,
  });
  worker.on('error', (error) => log.warn({ err: error.message }, 'revert history worker error'));
  worker.on('failed', (job, error) => log.warn({ jobId: job?.id, err: error.message }, 'revert history job failed'));
  let loop: Promise<void> | undefined;
  return {
    start() {
      loop = worker.run().catch((error: unknown) => log.error({ err: error }, 'revert history worker stopped'));
      return Promise.resolve();
    },
    async close(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        worker.close().then(() => false),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), timeoutMs);
        }),
      ]);
      clearTimeout(timer);
      // The caller stops waiting at its own timeout; an abandoned read is simply lost.
      if (timedOut) await worker.close(true);
      await loop;
    },
  };
}

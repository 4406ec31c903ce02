/**
 * The snapshotter's side of history jobs: a BullMQ worker that renders timelapses, heatmaps and
 * virgin maps and exports datasets from the archive, writes each to a temporary file, streams it
 * to S3 under `exports/`, and reports progress through job.updateProgress; and a second worker
 * that signs download links for finished artifacts.
 *
 * Download links are presigned S3 URLs, not bytes relayed by a gateway: an artifact can weigh
 * gigabytes, and S3 (or a CDN before it) serves it without tying up a gateway or giving gateways
 * credentials. The gateway checks who asks (an admin, or anyone when the canvas's datasets are
 * public) and asks for a fresh link each time, so a link is short-lived and never stored.
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { LIMITS } from '@tessera/protocol';
import type { Logger } from '@tessera/runtime';
import type { RedisConnection } from '@tessera/store';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { countPlacements, encodeHeatmap, encodeVirginMap } from './history-images.js';
import { checkHistoryRequest } from './history-job-validation.js';
import {
  DatasetFormat,
  HISTORY_QUEUE_PREFIX,
  historyLinkQueueName,
  historyQueueName,
  HistoryJobKind,
  type HistoryJobData,
  type HistoryJobProgress,
  type HistoryJobResult,
  type LinkJobData,
  type LinkJobResult,
} from './history-job-types.js';
import type { HistorySource } from './history-replay.js';
import { datasetRows, writeDataset } from './placement-dataset.js';
import { renderTimelapse } from './timelapse-render.js';

export const EXPORTS_DIR = 'exports/';
const EXPORT_KEY = /^exports\/[A-Za-z0-9._-]{1,200}$/;

/** Progress is written to Redis at most this often. */
const PROGRESS_INTERVAL_MS = 500;

export interface HistoryJobsOptions {
  /** For BullMQ (`maxRetriesPerRequest: null`). */
  readonly connection: RedisConnection;
  readonly canvasId: string;
  readonly source: HistorySource;
  /** Uploads artifacts. */
  readonly s3: S3Client;
  /** Signs links; its endpoint is the one browsers reach (HISTORY_DOWNLOAD_ENDPOINT). */
  readonly signer: S3Client;
  readonly bucket: string;
  /** The canvas folder (`<prefix><canvasId>/`). */
  readonly folder: string;
  readonly ffmpegPath: string;
  readonly timelapsePreset: string;
  /** Undefined: dataset jobs fail with a message naming DATASET_USER_SALT. */
  readonly datasetSalt: string | undefined;
  readonly linkTtlSeconds: number;
  /** BullMQ lock of a render (renewed while it runs). */
  readonly lockDurationMs: number;
  readonly log: Logger;
  readonly onJobEnd?: (kind: string, outcome: 'completed' | 'failed', seconds: number) => void;
}

export interface HistoryJobs {
  start(): Promise<void>;
  /** Waits up to `timeoutMs` for running jobs, then abandons them (BullMQ retries a stalled job elsewhere). */
  close(timeoutMs: number): Promise<void>;
}

export function createHistoryJobs(options: HistoryJobsOptions): HistoryJobs {
  const { connection, canvasId, source, log } = options;
  const abort = new AbortController();

  const run = async (job: Job<HistoryJobData>): Promise<HistoryJobResult> => {
    const started = performance.now();
    // A job may come from anything that writes to Redis: check it as the admin API did.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- job data comes from Redis: checked, not trusted
    const checked = checkHistoryRequest(job.data?.request, { width: LIMITS.maxCanvasSide, height: LIMITS.maxCanvasSide });
    if (!checked.ok) throw new UnrecoverableError(`${checked.code}: ${checked.message}`);
    const request = checked.request;
    let lastReport = 0;
    const report = (fraction: number, stage: string, force = false): void => {
      const at = Date.now();
      if (!force && at - lastReport < PROGRESS_INTERVAL_MS) return;
      lastReport = at;
      const progress: HistoryJobProgress = { fraction: Math.round(Math.min(1, Math.max(0, fraction)) * 1000) / 1000, stage };
      job.updateProgress(progress).catch((error: unknown) => log.debug({ err: error }, 'could not report progress'));
    };
    report(0, 'reading history', true);
    const workDir = await mkdtemp(join(tmpdir(), 'tessera-history-'));
    try {
      const id = String(job.id ?? Date.now()).replace(/[^A-Za-z0-9_-]/g, '_');
      const stamp = new Date(request.from).toISOString().replace(/[:.]/g, '-');
      let file: string;
      let fileName: string;
      let contentType: string;
      let events = 0;
      let frames: number | undefined;
      let rows: number | undefined;
      let gap = false;
      switch (request.kind) {
        case HistoryJobKind.Timelapse: {
          file = join(workDir, 'timelapse.mp4');
          fileName = `${canvasId}-timelapse-${stamp}.mp4`;
          contentType = 'video/mp4';
          const outcome = await renderTimelapse({
            source,
            request,
            outputFile: file,
            ffmpegPath: options.ffmpegPath,
            preset: options.timelapsePreset,
            signal: abort.signal,
            onProgress: (fraction) => report(fraction * 0.95, 'rendering'),
          });
          events = outcome.events;
          frames = outcome.frames;
          gap = outcome.gap;
          break;
        }
        case HistoryJobKind.Heatmap:
        case HistoryJobKind.VirginMap: {
          const counts = await countPlacements(source, request, (fraction) => report(fraction * 0.9, 'counting placements'));
          events = counts.events;
          gap = counts.gap;
          const png = await (request.kind === HistoryJobKind.Heatmap ? encodeHeatmap(counts) : encodeVirginMap(counts));
          file = join(workDir, 'image.png');
          await writeFile(file, png);
          fileName = `${canvasId}-${request.kind}-${stamp}.png`;
          contentType = 'image/png';
          break;
        }
        case HistoryJobKind.Dataset: {
          if (!options.datasetSalt) throw new UnrecoverableError('dataset exports need DATASET_USER_SALT set on the snapshotter (the salt of the user hashes)');
          const extension = request.format === DatasetFormat.Csv ? 'csv' : 'parquet';
          file = join(workDir, `placements.${extension}`);
          fileName = `${canvasId}-placements-${stamp}.${extension}`;
          contentType = request.format === DatasetFormat.Csv ? 'text/csv' : 'application/vnd.apache.parquet';
          const outcome = await writeDataset(
            datasetRows(
              source,
              request,
              options.datasetSalt,
              (fraction) => report(fraction * 0.95, 'exporting'),
              () => (gap = true),
            ),
            request.format,
            file,
          );
          rows = outcome.rows;
          break;
        }
      }
      report(0.97, 'uploading', true);
      const key = `${EXPORTS_DIR}${id}-${fileName}`;
      const bytes = (await stat(file)).size;
      await options.s3.send(
        new PutObjectCommand({
          Bucket: options.bucket,
          Key: options.folder + key,
          Body: createReadStream(file),
          ContentLength: bytes,
          ContentType: contentType,
        }),
      );
      report(1, 'done', true);
      return {
        key,
        bytes,
        contentType,
        fileName,
        durationMs: Math.round(performance.now() - started),
        events,
        ...(frames !== undefined ? { frames } : {}),
        ...(rows !== undefined ? { rows } : {}),
        ...(gap ? { gap } : {}),
      };
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  };

  const processJob = async (job: Job<HistoryJobData>): Promise<HistoryJobResult> => {
    const started = performance.now();
    let outcome: 'completed' | 'failed' = 'failed';
    try {
      const result = await run(job);
      outcome = 'completed';
      log.info(
        { jobId: job.id, file: result.fileName, bytes: result.bytes, ms: result.durationMs, events: result.events, gap: result.gap ?? false },
        'history job done',
      );
      return result;
    } finally {
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition, @typescript-eslint/no-unnecessary-type-conversion -- job data comes from Redis: checked, not trusted
      options.onJobEnd?.(String(job.data?.request?.kind ?? 'unknown'), outcome, (performance.now() - started) / 1000);
    }
  };

  const sign = async (job: Job<LinkJobData>): Promise<LinkJobResult> => {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- job data comes from Redis: checked, not trusted
    const { key, fileName, contentType } = job.data ?? ({} as Partial<LinkJobData>);
    if (typeof key !== 'string' || !EXPORT_KEY.test(key) || typeof fileName !== 'string' || typeof contentType !== 'string') {
      throw new UnrecoverableError('a link job needs { key: exports/…, fileName, contentType }');
    }
    const url = await getSignedUrl(
      options.signer,
      new GetObjectCommand({
        Bucket: options.bucket,
        Key: options.folder + key,
        ResponseContentDisposition: `attachment; filename="${fileName.replace(/[^A-Za-z0-9._-]/g, '_')}"`,
        ResponseContentType: contentType,
      }),
      { expiresIn: options.linkTtlSeconds },
    );
    return { url, expiresAt: Date.now() + options.linkTtlSeconds * 1000 };
  };

  const name = `${hostname()}:${process.pid}`;
  const renders = new Worker<HistoryJobData, HistoryJobResult>(historyQueueName(canvasId), processJob, {
    connection,
    prefix: HISTORY_QUEUE_PREFIX,
    autorun: false,
    // One render per replica: a timelapse keeps a core busy (ffmpeg takes the other).
    concurrency: 1,
    lockDuration: options.lockDurationMs,
    name,
  });
  const links = new Worker<LinkJobData, LinkJobResult>(historyLinkQueueName(canvasId), sign, {
    connection,
    prefix: HISTORY_QUEUE_PREFIX,
    autorun: false,
    concurrency: 8,
    name,
  });
  for (const worker of [renders, links]) {
    worker.on('error', (error) => log.warn({ err: error.message }, 'history worker error'));
    worker.on('failed', (job, error) => log.warn({ jobId: job?.id, err: error.message }, 'history job failed'));
  }
  let loops: Promise<void>[] = [];

  return {
    start() {
      loops = [renders, links].map((worker) =>
        worker.run().catch((error: unknown) => {
          log.error({ err: error }, 'history worker stopped');
        }),
      );
      return Promise.resolve();
    },
    async close(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const gentle = Promise.all([renders.close(), links.close()]);
      const timedOut = await Promise.race([
        gentle.then(() => false),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), timeoutMs);
        }),
      ]);
      clearTimeout(timer);
      if (timedOut) {
        log.warn({ timeoutMs }, 'a history job outlived the shutdown wait: abandoning it (it is retried when its lock lapses)');
        abort.abort();
        await Promise.all([renders.close(true), links.close(true)]);
      }
      await Promise.all(loops);
    },
  };
}

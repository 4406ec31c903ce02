/**
 * What the history-jobs queue carries (timelapses, heatmaps, virgin maps, datasets): names, job
 * data, progress, results and the limits a request must meet. Shared by the worker and by
 * history-jobs-client.ts, so it imports nothing from the S3 side.
 *
 * A separate queue from the snapshots: a timelapse renders for minutes, and the snapshot queue
 * runs one job at a time, so sharing it would stop snapshots for as long.
 */
import { SNAPSHOT_QUEUE_PREFIX } from './snapshot-jobs.js';

/** Same hash tag as the snapshot queue: one Redis Cluster slot for every BullMQ key. */
export const HISTORY_QUEUE_PREFIX = SNAPSHOT_QUEUE_PREFIX;

/** Renders and exports, one per replica at a time. */
export function historyQueueName(canvasId: string): string {
  return `tessera-history-${canvasId}`;
}

/** Download links: signing takes a millisecond, so it must never wait behind a render. */
export function historyLinkQueueName(canvasId: string): string {
  return `tessera-history-links-${canvasId}`;
}

export const HistoryJobKind = {
  Timelapse: 'timelapse',
  Heatmap: 'heatmap',
  VirginMap: 'virgin-map',
  Dataset: 'dataset',
} as const;
export type HistoryJobKind = (typeof HistoryJobKind)[keyof typeof HistoryJobKind];
export const HISTORY_JOB_KINDS: readonly HistoryJobKind[] = Object.values(HistoryJobKind);

/** Timelapse encodings: `standard` is H.264 yuv420p that every player plays; `lossless` is libx264rgb at qp 0 (exact RGB, High 4:4:4). */
export const TimelapseQuality = { Standard: 'standard', Lossless: 'lossless' } as const;
export type TimelapseQuality = (typeof TimelapseQuality)[keyof typeof TimelapseQuality];

export const DatasetFormat = { Csv: 'csv', Parquet: 'parquet' } as const;
export type DatasetFormat = (typeof DatasetFormat)[keyof typeof DatasetFormat];

/** A rectangle of the canvas, in pixels. */
export interface HistoryRegion {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

interface RangeRequest {
  /** Epoch ms, inclusive: placements at or after it. */
  readonly from: number;
  /** Epoch ms, inclusive: the canvas as it was at this time is the last frame / the end of the range. */
  readonly to: number;
}

export interface TimelapseRequest extends RangeRequest {
  readonly kind: typeof HistoryJobKind.Timelapse;
  readonly region: HistoryRegion;
  /** Seconds of video. */
  readonly durationSeconds: number;
  readonly fps: number;
  /** Each canvas pixel becomes scale × scale video pixels (nearest neighbour). */
  readonly scale: number;
  readonly quality: TimelapseQuality;
}

export interface ImageRequest extends RangeRequest {
  readonly kind: typeof HistoryJobKind.Heatmap | typeof HistoryJobKind.VirginMap;
  readonly region: HistoryRegion;
}

export interface DatasetRequest extends RangeRequest {
  readonly kind: typeof HistoryJobKind.Dataset;
  readonly format: DatasetFormat;
}

export type HistoryJobRequest = TimelapseRequest | ImageRequest | DatasetRequest;

/** What the job stores in BullMQ: the request and who asked. */
export interface HistoryJobData {
  readonly request: HistoryJobRequest;
  readonly requestedBy: string;
}

/** job.updateProgress payload. */
export interface HistoryJobProgress {
  /** 0…1 */
  readonly fraction: number;
  readonly stage: string;
}

export interface HistoryJobResult {
  /** Object key relative to the canvas folder (`exports/…`). */
  readonly key: string;
  readonly bytes: number;
  readonly contentType: string;
  /** A file name for the download. */
  readonly fileName: string;
  readonly durationMs: number;
  /** Placements read from the history for this job. */
  readonly events: number;
  /** Timelapse: frames rendered. */
  readonly frames?: number;
  /** Dataset: rows written. */
  readonly rows?: number;
  /** Part of the range's history was lost (trimmed from the stream before it was archived). */
  readonly gap?: boolean;
}

export interface LinkJobData {
  readonly key: string;
  readonly fileName: string;
  readonly contentType: string;
}

export interface LinkJobResult {
  readonly url: string;
  readonly expiresAt: number;
}

/** Hard limits of a request; the admin API refuses anything outside them with a named code. */
export const HISTORY_JOB_LIMITS = {
  /** The longest time range of one job. */
  maxRangeMs: 31 * 86_400_000,
  maxFps: 60,
  maxDurationSeconds: 600,
  /** duration × fps */
  maxFrames: 18_000,
  maxScale: 16,
  /** Output width × height of a timelapse frame (8K UHD). */
  maxFramePixels: 7680 * 4320,
  /** Output width or height of a frame (H.264 level 6.2 goes to 8192). */
  maxFrameSide: 8192,
  /** Jobs waiting or running per canvas: more are refused, not queued. */
  maxQueuedJobs: 4,
} as const;

/** Who did what as rows of a dataset: admin rectangles carry this user prefix in the history. */
export const ADMIN_USER_PREFIX = 'admin:';

export function isAdminUser(userId: string): boolean {
  return userId.startsWith(ADMIN_USER_PREFIX);
}

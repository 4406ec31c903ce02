/**
 * Checks a history job request before it is queued (the admin API) and again before it runs (the
 * worker: a job may come from anything that can write to Redis). A refusal carries a code the
 * admin API answers with and a message for people.
 */
import { DatasetFormat, HISTORY_JOB_LIMITS, HistoryJobKind, TimelapseQuality, type HistoryJobRequest, type HistoryRegion } from './history-job-types.js';

export const HistoryRequestProblem = {
  InvalidRequest: 'INVALID_REQUEST',
  InvalidRange: 'INVALID_RANGE',
  RangeTooLong: 'RANGE_TOO_LONG',
  RegionOutOfBounds: 'REGION_OUT_OF_BOUNDS',
  InvalidTimelapse: 'INVALID_TIMELAPSE',
  TooManyFrames: 'TOO_MANY_FRAMES',
  FrameTooLarge: 'FRAME_TOO_LARGE',
} as const;
export type HistoryRequestProblem = (typeof HistoryRequestProblem)[keyof typeof HistoryRequestProblem];

export type HistoryRequestCheck =
  { readonly ok: true; readonly request: HistoryJobRequest } | { readonly ok: false; readonly code: HistoryRequestProblem; readonly message: string };

const whole = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value);

/** `canvas`: the canvas size now (a region must lie inside it). */
export function checkHistoryRequest(input: unknown, canvas: { readonly width: number; readonly height: number }): HistoryRequestCheck {
  const refuse = (code: HistoryRequestProblem, message: string): HistoryRequestCheck => ({ ok: false, code, message });
  if (typeof input !== 'object' || input === null) return refuse(HistoryRequestProblem.InvalidRequest, 'a request is an object');
  const body = input as Record<string, unknown>;
  const kind = body.kind;
  if (typeof kind !== 'string' || !(Object.values(HistoryJobKind) as string[]).includes(kind)) {
    return refuse(HistoryRequestProblem.InvalidRequest, `kind must be one of ${Object.values(HistoryJobKind).join(', ')}`);
  }
  const { from, to } = body;
  if (!whole(from) || !whole(to) || from < 0 || to < 0) return refuse(HistoryRequestProblem.InvalidRange, 'from and to are whole epoch milliseconds');
  if (to <= from) return refuse(HistoryRequestProblem.InvalidRange, `to (${to}) must be after from (${from})`);
  if (to - from > HISTORY_JOB_LIMITS.maxRangeMs) return refuse(HistoryRequestProblem.RangeTooLong, `a range spans at most ${HISTORY_JOB_LIMITS.maxRangeMs} ms`);

  if (kind === HistoryJobKind.Dataset) {
    const format = body.format ?? DatasetFormat.Parquet;
    if (format !== DatasetFormat.Csv && format !== DatasetFormat.Parquet) return refuse(HistoryRequestProblem.InvalidRequest, 'format is csv or parquet');
    return { ok: true, request: { kind, from, to, format } };
  }

  const region = checkRegion(body.region, canvas);
  if (typeof region === 'string') return refuse(HistoryRequestProblem.RegionOutOfBounds, region);
  if (kind === HistoryJobKind.Heatmap || kind === HistoryJobKind.VirginMap) return { ok: true, request: { kind, from, to, region } };

  const { durationSeconds, fps, scale } = body;
  const quality = body.quality ?? TimelapseQuality.Standard;
  if (!whole(fps) || fps < 1 || fps > HISTORY_JOB_LIMITS.maxFps)
    return refuse(HistoryRequestProblem.InvalidTimelapse, `fps is a whole number from 1 to ${HISTORY_JOB_LIMITS.maxFps}`);
  if (
    typeof durationSeconds !== 'number' ||
    !Number.isFinite(durationSeconds) ||
    durationSeconds <= 0 ||
    durationSeconds > HISTORY_JOB_LIMITS.maxDurationSeconds
  ) {
    return refuse(HistoryRequestProblem.InvalidTimelapse, `durationSeconds is above 0 and at most ${HISTORY_JOB_LIMITS.maxDurationSeconds}`);
  }
  if (!whole(scale) || scale < 1 || scale > HISTORY_JOB_LIMITS.maxScale)
    return refuse(HistoryRequestProblem.InvalidTimelapse, `scale is a whole number from 1 to ${HISTORY_JOB_LIMITS.maxScale}`);
  if (quality !== TimelapseQuality.Standard && quality !== TimelapseQuality.Lossless)
    return refuse(HistoryRequestProblem.InvalidTimelapse, 'quality is standard or lossless');
  const frames = Math.round(durationSeconds * fps);
  if (frames > HISTORY_JOB_LIMITS.maxFrames)
    return refuse(HistoryRequestProblem.TooManyFrames, `${frames} frames: at most ${HISTORY_JOB_LIMITS.maxFrames} (duration × fps)`);
  const outWidth = region.width * scale;
  const outHeight = region.height * scale;
  if (outWidth > HISTORY_JOB_LIMITS.maxFrameSide || outHeight > HISTORY_JOB_LIMITS.maxFrameSide || outWidth * outHeight > HISTORY_JOB_LIMITS.maxFramePixels) {
    return refuse(
      HistoryRequestProblem.FrameTooLarge,
      `a ${outWidth}×${outHeight} frame: at most ${HISTORY_JOB_LIMITS.maxFrameSide} a side and ${HISTORY_JOB_LIMITS.maxFramePixels} pixels (region × scale)`,
    );
  }
  return { ok: true, request: { kind: HistoryJobKind.Timelapse, from, to, region, durationSeconds, fps, scale, quality } };
}

function checkRegion(input: unknown, canvas: { readonly width: number; readonly height: number }): HistoryRegion | string {
  if (input === undefined) return { x: 0, y: 0, width: canvas.width, height: canvas.height };
  if (typeof input !== 'object' || input === null) return 'region is { x, y, width, height }';
  const { x, y, width, height } = input as Record<string, unknown>;
  if (!whole(x) || !whole(y) || !whole(width) || !whole(height) || x < 0 || y < 0 || width < 1 || height < 1) {
    return 'region needs whole x, y ≥ 0 and width, height ≥ 1';
  }
  if (x + width > canvas.width || y + height > canvas.height)
    return `region ${width}×${height} at ${x},${y} leaves the ${canvas.width}×${canvas.height} canvas`;
  return { x, y, width, height };
}

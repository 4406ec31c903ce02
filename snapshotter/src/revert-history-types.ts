/**
 * What the revert-history queue carries: "for user U since T up to stream position S, the colour
 * each pixel had before U's first placement there", answered from the archive (keyframe + history
 * segments) for "revert a user" when the event stream no longer holds the whole window. Shared by
 * the worker and revert-history-client.ts, so it imports nothing from the S3 side.
 *
 * Its own queue: the snapshot queue runs one job at a time and the history queue renders
 * timelapses for minutes; an admin waiting on a revert must wait behind neither.
 */
import { parsePosition, type StreamPosition } from '@tessera/protocol';
import { SNAPSHOT_QUEUE_PREFIX } from './snapshot-jobs.js';

/** Same hash tag as the snapshot queue: one Redis Cluster slot for every BullMQ key. */
export const REVERT_HISTORY_QUEUE_PREFIX = SNAPSHOT_QUEUE_PREFIX;

export function revertHistoryQueueName(canvasId: string): string {
  return `tessera-revert-history-${canvasId}`;
}

export const REVERT_HISTORY_LIMITS = {
  /** Pixels one answer carries at most (9 bytes each: ~4.5 MB through Redis). */
  maxPixels: 500_000,
  /** From `since` to the stream position: the replay reads every segment in between. */
  maxRangeMs: 31 * 86_400_000,
  /** Longest user id asked about (the gateway's ids are far shorter). */
  maxUserIdLength: 256,
  /** Jobs waiting or running per canvas: more are refused, not queued. */
  maxQueuedJobs: 4,
} as const;

export interface RevertHistoryJobData {
  readonly userId: string;
  /** Epoch ms: placements at or after it. */
  readonly since: number;
  /** Stream id `ms-seq`: placements before it (the event stream holds the rest). */
  readonly until: string;
}

export interface RevertHistoryResult {
  /** Pixels in the answer. */
  readonly count: number;
  /**
   * Base64 of `count` records of 9 bytes, big-endian: u16 x, u16 y, u8 colour before the user's
   * first placement there, u32 ms from `since` to that placement.
   */
  readonly pixels: string;
  /** The keyframe replayed from (`ms-seq`; `0-0`: the canvas began empty); null when the bucket holds no snapshot. */
  readonly keyframe: string | null;
  /** Part of the history after the keyframe was lost (trimmed before it was archived). */
  readonly gap: boolean;
  /** Epoch ms from which the answer is exact when `gap` (the first placement after the last lost part), else null. */
  readonly exactFrom: number | null;
  /** Placements replayed. */
  readonly events: number;
}

export const PIXEL_RECORD_BYTES = 9;

/** Refusals a caller can act on, as the first word of the job's failure (`CODE: message`). */
export const RevertHistoryProblem = {
  InvalidRequest: 'INVALID_REQUEST',
  RangeTooLong: 'RANGE_TOO_LONG',
  TooManyPixels: 'TOO_MANY_PIXELS',
} as const;
export type RevertHistoryProblem = (typeof RevertHistoryProblem)[keyof typeof RevertHistoryProblem];

export type RevertHistoryCheck =
  | { readonly ok: true; readonly userId: string; readonly since: number; readonly until: StreamPosition }
  | { readonly ok: false; readonly code: RevertHistoryProblem; readonly message: string };

/** Checked by the client before queueing and by the worker before running (anything may write to Redis). */
export function checkRevertHistoryRequest(input: unknown): RevertHistoryCheck {
  const refuse = (code: RevertHistoryProblem, message: string): RevertHistoryCheck => ({ ok: false, code, message });
  if (typeof input !== 'object' || input === null) return refuse(RevertHistoryProblem.InvalidRequest, 'a request is { userId, since, until }');
  const { userId, since, until } = input as Record<string, unknown>;
  if (typeof userId !== 'string' || userId.length === 0 || userId.length > REVERT_HISTORY_LIMITS.maxUserIdLength) {
    return refuse(RevertHistoryProblem.InvalidRequest, `userId is a string of 1 to ${REVERT_HISTORY_LIMITS.maxUserIdLength} characters`);
  }
  if (typeof since !== 'number' || !Number.isSafeInteger(since) || since < 0)
    return refuse(RevertHistoryProblem.InvalidRequest, 'since is whole epoch milliseconds');
  const position = typeof until === 'string' ? parsePosition(until) : undefined;
  if (!position) return refuse(RevertHistoryProblem.InvalidRequest, 'until is a stream id `ms-seq`');
  if (position.ms - since > REVERT_HISTORY_LIMITS.maxRangeMs) {
    return refuse(
      RevertHistoryProblem.RangeTooLong,
      `the archived part of a revert spans at most ${REVERT_HISTORY_LIMITS.maxRangeMs / 86_400_000} days (since ${since} to ${String(until)})`,
    );
  }
  return { ok: true, userId, since, until: position };
}

export interface ArchivedPixel {
  readonly x: number;
  readonly y: number;
  /** The colour before the user's first placement there in the window. */
  readonly previous: number;
  /** Epoch ms of that placement. */
  readonly firstAt: number;
}

export function encodeArchivedPixels(pixels: readonly ArchivedPixel[], since: number): string {
  const bytes = Buffer.alloc(pixels.length * PIXEL_RECORD_BYTES);
  pixels.forEach((pixel, i) => {
    const at = i * PIXEL_RECORD_BYTES;
    bytes.writeUInt16BE(pixel.x, at);
    bytes.writeUInt16BE(pixel.y, at + 2);
    bytes.writeUInt8(pixel.previous, at + 4);
    bytes.writeUInt32BE(pixel.firstAt - since, at + 5);
  });
  return bytes.toString('base64');
}

export function decodeArchivedPixels(result: Pick<RevertHistoryResult, 'count' | 'pixels'>, since: number): ArchivedPixel[] {
  const bytes = Buffer.from(result.pixels, 'base64');
  if (bytes.length !== result.count * PIXEL_RECORD_BYTES) throw new Error(`a revert-history answer of ${result.count} pixels holds ${bytes.length} bytes`);
  const pixels: ArchivedPixel[] = [];
  for (let at = 0; at < bytes.length; at += PIXEL_RECORD_BYTES) {
    pixels.push({ x: bytes.readUInt16BE(at), y: bytes.readUInt16BE(at + 2), previous: bytes.readUInt8(at + 4), firstAt: since + bytes.readUInt32BE(at + 5) });
  }
  return pixels;
}

import { canvasKeys, CHUNK_SIZE, type CanvasKeys } from '@tessera/protocol';
import type { RedisConnection } from './redis-connection.js';
import { rewriteTarget, runRewrites, type RewriteReply } from './chunk-rewrites.js';
import { callScript } from './lua-scripts.js';

export interface PaintRect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** One colour everywhere, or a colour per pixel (width × height bytes, row by row). */
export type PaintTarget = { readonly fill: number } | { readonly pixels: Uint8Array };

export interface PaintOptions {
  /** User id written into every event (`admin:<name>`). */
  readonly userId: string;
  readonly streamMaxLength: number;
  /** Refuse while a palette remap is in progress (targets other than the background). */
  readonly refuseWhileRemapping: boolean;
}

export type PaintOutcome =
  | { readonly kind: 'painted'; readonly changed: number; readonly lastEventId: string | undefined }
  | { readonly kind: 'missing'; readonly changed: number }
  | { readonly kind: 'remapping'; readonly changed: number };

type PaintReply = [code: number, changed: number, lastEventId: string];

/** Pixels one script rewrites at most: ~10 ms of XADDs when all change, so placements never wait long. */
const PIXELS_PER_SCRIPT = 4_096;

/**
 * Rewrites a rectangle through the event stream (see paint-region-5.lua): one script per band of
 * rows inside one chunk, each atomic, each changed pixel one event, so deltas carry the result to
 * every client like placements. Stops at the first band refused (no canvas, or a remap began).
 */
export async function paintRegion(
  redis: RedisConnection,
  canvasId: string,
  rect: PaintRect,
  target: PaintTarget,
  options: PaintOptions,
): Promise<PaintOutcome> {
  const keys = canvasKeys(canvasId);
  if ('pixels' in target && target.pixels.length !== rect.width * rect.height) {
    throw new Error(`paint target holds ${target.pixels.length} pixels for a ${rect.width}×${rect.height} rectangle`);
  }
  const run = await runRewrites('paint-region', bandCalls(redis, keys, rect, target, options));
  if (run.verdict !== 'done') return { kind: run.verdict, changed: run.changed };
  return { kind: 'painted', changed: run.changed, lastEventId: run.lastEventId };
}

/** One paint-region call per band of rows inside one chunk, chunk by chunk. */
function* bandCalls(
  redis: RedisConnection,
  keys: CanvasKeys,
  rect: PaintRect,
  target: PaintTarget,
  options: PaintOptions,
): Generator<() => Promise<RewriteReply>> {
  const right = rect.x + rect.width;
  const bottom = rect.y + rect.height;
  for (let cy = Math.floor(rect.y / CHUNK_SIZE); cy * CHUNK_SIZE < bottom; cy++) {
    for (let cx = Math.floor(rect.x / CHUNK_SIZE); cx * CHUNK_SIZE < right; cx++) {
      const left = Math.max(rect.x, cx * CHUNK_SIZE);
      const top = Math.max(rect.y, cy * CHUNK_SIZE);
      const width = Math.min(right, (cx + 1) * CHUNK_SIZE) - left;
      const rowsBottom = Math.min(bottom, (cy + 1) * CHUNK_SIZE);
      const bandRows = Math.max(1, Math.floor(PIXELS_PER_SCRIPT / width));
      for (let bandTop = top; bandTop < rowsBottom; bandTop += bandRows) {
        const height = Math.min(bandRows, rowsBottom - bandTop);
        yield async () => {
          const colors = 'fill' in target ? Buffer.from([target.fill]) : bandPixels(target.pixels, rect, left, bandTop, width, height);
          const [code, changed, lastEventId] = await callScript<PaintReply>(redis, 'tesseraPaintRegion', [
            ...rewriteTarget(keys, cx, cy),
            left - cx * CHUNK_SIZE,
            bandTop - cy * CHUNK_SIZE,
            width,
            height,
            colors,
            options.userId,
            options.streamMaxLength,
            options.refuseWhileRemapping ? 1 : 0,
          ]);
          return { code, changed, skipped: 0, lastEventId };
        };
      }
    }
  }
}

/** The part of a rectangle's pixels that falls in one band, row by row. */
function bandPixels(pixels: Uint8Array, rect: PaintRect, left: number, top: number, width: number, height: number): Buffer {
  const out = Buffer.alloc(width * height);
  for (let row = 0; row < height; row++) {
    const from = (top - rect.y + row) * rect.width + (left - rect.x);
    out.set(pixels.subarray(from, from + width), row * width);
  }
  return out;
}

/**
 * For "revert a user" beyond what the event stream still holds: replays the archive from the
 * newest keyframe at or before `since` (history-replay.ts: segments from S3, then the stream's
 * unarchived tail) up to the stream position `until`, and reports, for every pixel the user placed
 * from `since` on, the colour it had just before their first placement there. Archived segments
 * carry no previous colour; the replayed canvas gives it. Memory: one canvas-sized byte array
 * (2000×2000 = 4 MB), one segment of events, and the answer (capped).
 */
import { comparePositions, formatPosition, type StreamPosition } from '@tessera/protocol';
import type { HistorySource } from './history-replay.js';
import { REVERT_HISTORY_LIMITS, RevertHistoryProblem, encodeArchivedPixels, type ArchivedPixel, type RevertHistoryResult } from './revert-history-types.js';

/** A refusal the caller can act on; its message starts with the problem code. */
export class RevertHistoryRefusal extends Error {
  override readonly name = 'RevertHistoryRefusal';
  constructor(
    readonly code: RevertHistoryProblem,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

export async function previousColorsFromArchive(
  source: HistorySource,
  request: { readonly userId: string; readonly since: number; readonly until: StreamPosition },
  maxPixels: number = REVERT_HISTORY_LIMITS.maxPixels,
): Promise<RevertHistoryResult> {
  const { userId, since, until } = request;
  const keyframe = await source.keyframe(since);
  if (!keyframe) return { count: 0, pixels: '', keyframe: null, gap: false, exactFrom: null, events: 0 };
  const { width, height, pixels: canvas } = keyframe.image;
  // Pixels the canvas grew into after the keyframe (a resize): their colours, sparsely.
  const outside = new Map<number, number>();
  const colorAt = (x: number, y: number): number => (x < width && y < height ? canvas[y * width + x]! : (outside.get(y * 65_536 + x) ?? 0));
  const found = new Map<number, ArchivedPixel>();
  let gap = false;
  let exactFrom: number | null = null;
  let sawGap = false;
  let events = 0;
  // The keyframe is at or before `since` (or the empty canvas at 0-0 when no snapshot is that old).
  replay: for await (const batch of source.events(keyframe.position, until.ms, () => (gap = sawGap = true))) {
    for (const event of batch) {
      if (comparePositions(event.position, until) >= 0) break replay;
      events++;
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- set by the gap callback during the iteration
      if (sawGap) {
        // The first placement after a lost part: the answer is exact from here on.
        exactFrom = event.position.ms;
        sawGap = false;
      }
      const { x, y } = event;
      if (event.userId === userId && event.position.ms >= since) {
        const key = y * 65_536 + x;
        if (!found.has(key)) {
          if (found.size >= maxPixels) {
            throw new RevertHistoryRefusal(
              RevertHistoryProblem.TooManyPixels,
              `the user placed more than ${maxPixels} distinct pixels in the archived part of the window; choose a later since`,
            );
          }
          found.set(key, { x, y, previous: colorAt(x, y), firstAt: event.position.ms });
        }
      }
      if (x < width && y < height) canvas[y * width + x] = event.color;
      else outside.set(y * 65_536 + x, event.color);
    }
  }
  const pixels = [...found.values()];
  return { count: pixels.length, pixels: encodeArchivedPixels(pixels, since), keyframe: formatPosition(keyframe.position), gap, exactFrom, events };
}

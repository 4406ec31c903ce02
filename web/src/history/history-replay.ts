import {
  CHUNK_BYTES,
  CHUNK_SIZE,
  comparePositions,
  parsePosition,
  type CanvasFrame,
  type ChunkData,
  type HistoryEventsFrame,
  type HistoryIndex,
  type HistoryKeyframe,
  type HistorySegmentRef,
  type StreamPosition,
} from '@tessera/protocol';

/** What to fetch to show the canvas at time `at`: a keyframe at or before it and the segments after it. */
export interface ReplayPlan {
  readonly keyframe: HistoryKeyframe;
  readonly keyframePosition: StreamPosition;
  readonly segments: readonly HistorySegmentRef[];
}

/**
 * The newest keyframe whose position is at or before `at` (every placement it holds happened by
 * then), unless `preferred` is also before `at` and no more than `reuseMs` older: scrubbing
 * forward keeps the keyframe it has instead of fetching one every snapshot interval. Undefined
 * when `at` is before the first keyframe.
 */
export function planReplay(index: HistoryIndex, at: number, preferred?: HistoryKeyframe, reuseMs = 60_000): ReplayPlan | undefined {
  let chosen: HistoryKeyframe | undefined;
  // The index is in key order (time taken); no early exit, so an out-of-order position cannot hide later ones.
  for (const keyframe of index.keyframes) {
    if (msOf(keyframe.position) <= at) chosen = keyframe;
  }
  if (!chosen) return undefined;
  if (preferred && msOf(preferred.position) <= at && msOf(chosen.position) - msOf(preferred.position) <= reuseMs && at - msOf(preferred.position) <= reuseMs) {
    chosen = preferred;
  }
  const keyframePosition = parsePosition(chosen.position)!;
  const segments = index.segments.filter((segment) => {
    const last = parsePosition(segment.last);
    const first = parsePosition(segment.first);
    return last !== undefined && first !== undefined && comparePositions(last, keyframePosition) > 0 && first.ms <= at;
  });
  return { keyframe: chosen, keyframePosition, segments };
}

/**
 * The canvas at time `at`: the keyframe's chunks with every placement after the keyframe's
 * position and at or before `at` applied, in stream order. Placements outside the keyframe's
 * size are skipped (a resize shows from the next keyframe on).
 */
export function replay(keyframe: CanvasFrame, segments: readonly HistoryEventsFrame[], at: number): CanvasFrame {
  const chunks = new Map<string, Uint8Array>();
  for (const chunk of keyframe.chunks) {
    const bytes = new Uint8Array(CHUNK_BYTES);
    bytes.set(chunk.bytes.subarray(0, CHUNK_BYTES));
    chunks.set(`${chunk.cx},${chunk.cy}`, bytes);
  }
  let position = keyframe.position;
  for (const segment of segments) {
    for (const event of segment.events) {
      if (comparePositions(event.position, keyframe.position) <= 0) continue;
      if (event.position.ms > at) break;
      if (event.x >= keyframe.width || event.y >= keyframe.height) continue;
      const cx = Math.floor(event.x / CHUNK_SIZE);
      const cy = Math.floor(event.y / CHUNK_SIZE);
      const id = `${cx},${cy}`;
      let bytes = chunks.get(id);
      if (!bytes) {
        bytes = new Uint8Array(CHUNK_BYTES);
        chunks.set(id, bytes);
      }
      bytes[(event.y - cy * CHUNK_SIZE) * CHUNK_SIZE + (event.x - cx * CHUNK_SIZE)] = event.color;
      position = event.position;
    }
  }
  const out: ChunkData[] = [...chunks].map(([id, bytes]) => {
    const [cx, cy] = id.split(',').map(Number) as [number, number];
    return { cx, cy, bytes };
  });
  return { position, configVersion: keyframe.configVersion, width: keyframe.width, height: keyframe.height, chunks: out };
}

export function msOf(position: string): number {
  return Number(position.slice(0, position.indexOf('-')));
}

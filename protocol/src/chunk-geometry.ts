import { CHUNK_SIZE } from './limits.js';

/** Chunk coordinates of the chunk holding pixel (x, y). */
export function chunkOf(x: number, y: number): { cx: number; cy: number; offset: number } {
  const cx = Math.floor(x / CHUNK_SIZE);
  const cy = Math.floor(y / CHUNK_SIZE);
  return { cx, cy, offset: (y - cy * CHUNK_SIZE) * CHUNK_SIZE + (x - cx * CHUNK_SIZE) };
}

/** How many chunks wide and high a canvas of this size is. */
export function chunkGrid(width: number, height: number): { columns: number; rows: number } {
  return { columns: Math.ceil(width / CHUNK_SIZE), rows: Math.ceil(height / CHUNK_SIZE) };
}

/** Stable key for a chunk in maps: `cx,cy`. */
export function chunkId(cx: number, cy: number): string {
  return `${cx},${cy}`;
}

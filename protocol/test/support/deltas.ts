import { CHUNK_SIZE, LIMITS, type ChunkChanges, type Delta } from '../../src/index.js';

/** A window, epoch and config every generated delta shares. */
export const BASE_DELTA: Delta = {
  epoch: 0x1234_5678,
  seq: 9,
  start: { ms: 1_700_000_000_000, seq: 3 },
  end: { ms: 1_700_000_000_500, seq: 0 },
  configVersion: 4,
  chunks: [],
};

export interface Pixel {
  readonly x: number;
  readonly y: number;
  readonly color: number;
}

// The seeded PRNG is shared with the other packages' tests; imported alone, without the servers' helpers.
export { seeded } from '../../../test-support/random.js';

/** The delta the writer's coalescer would build: last write per pixel, chunks by (cy, cx), offsets ascending. */
export function deltaOf(pixels: Iterable<Pixel>): Delta {
  const perRow = LIMITS.maxCanvasSide / CHUNK_SIZE;
  const chunks = new Map<number, Map<number, number>>();
  for (const { x, y, color } of pixels) {
    const cx = Math.floor(x / CHUNK_SIZE);
    const cy = Math.floor(y / CHUNK_SIZE);
    const index = cy * perRow + cx;
    let chunk = chunks.get(index);
    if (!chunk) chunks.set(index, (chunk = new Map<number, number>()));
    chunk.set((y - cy * CHUNK_SIZE) * CHUNK_SIZE + (x - cx * CHUNK_SIZE), color);
  }
  const out: ChunkChanges[] = [];
  for (const index of [...chunks.keys()].sort((a, b) => a - b)) {
    const chunk = chunks.get(index)!;
    const offsets = Uint16Array.from(chunk.keys()).sort();
    out.push({ cx: index % perRow, cy: Math.floor(index / perRow), offsets, colors: Uint8Array.from(offsets, (offset) => chunk.get(offset)!) });
  }
  return { ...BASE_DELTA, chunks: out };
}

/** `count` distinct pixels anywhere on a side × side canvas, each a random colour below `colors`. */
export function randomDelta(random: () => number, count: number, side = 1000, colors = 32): Delta {
  const pixels = new Map<number, Pixel>();
  while (pixels.size < count) {
    const x = Math.floor(random() * side);
    const y = Math.floor(random() * side);
    pixels.set(y * side + x, { x, y, color: Math.floor(random() * colors) });
  }
  return deltaOf(pixels.values());
}

/** Players drawing: `runs` horizontal strokes of `length` consecutive pixels, each stroke one colour. */
export function drawingDelta(random: () => number, runs: number, length: number, side = 1000, colors = 32): Delta {
  const pixels: Pixel[] = [];
  for (let run = 0; run < runs; run++) {
    const x = Math.floor(random() * (side - length));
    const y = Math.floor(random() * side);
    const color = Math.floor(random() * colors);
    for (let i = 0; i < length; i++) pixels.push({ x: x + i, y, color });
  }
  return deltaOf(pixels);
}

/** Solid rectangles filled row by row (a bot or a template being traced): DEFLATE's best case. */
export function rectanglesDelta(random: () => number, rectangles: number, width: number, height: number, side = 1000, colors = 32): Delta {
  const pixels: Pixel[] = [];
  for (let r = 0; r < rectangles; r++) {
    const left = Math.floor(random() * (side - width));
    const top = Math.floor(random() * (side - height));
    const color = Math.floor(random() * colors);
    for (let y = top; y < top + height; y++) for (let x = left; x < left + width; x++) pixels.push({ x, y, color });
  }
  return deltaOf(pixels);
}

/** How many pixels a delta carries. */
export function pixelCount(delta: Delta): number {
  return delta.chunks.reduce((sum, chunk) => sum + chunk.offsets.length, 0);
}

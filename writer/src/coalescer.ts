import { CHUNK_SIZE, LIMITS, type ChunkChanges } from '@tessera/protocol';

/** The part of a placement event a delta needs. */
export interface PixelWrite {
  readonly x: number;
  readonly y: number;
  readonly color: number;
}

export interface Coalescer {
  /** Folds writes in stream order; a later write to a pixel replaces an earlier one. Returns how many were refused. */
  add(writes: Iterable<PixelWrite>): number;
  /** Distinct pixels so far. */
  readonly pixels: number;
  /** The changes grouped by chunk, chunks ordered by (cy, cx), offsets ascending: the same input always encodes the same bytes. */
  build(): ChunkChanges[];
}

const SIDE = LIMITS.maxCanvasSide;
const CHUNKS_PER_ROW = SIDE / CHUNK_SIZE;

/** Last write wins per pixel, grouped by chunk. */
export function createCoalescer(): Coalescer {
  // chunk index (cy * CHUNKS_PER_ROW + cx) → offset → colour
  const chunks = new Map<number, Map<number, number>>();
  let pixels = 0;
  return {
    add(writes) {
      let refused = 0;
      for (const { x, y, color } of writes) {
        // The place script checks bounds; anything else came from outside Tessera and could not be encoded.
        if (!(x >= 0 && x < SIDE && y >= 0 && y < SIDE && color >= 0 && color <= 255) || !Number.isInteger(x + y + color)) {
          refused++;
          continue;
        }
        const cx = Math.floor(x / CHUNK_SIZE);
        const cy = Math.floor(y / CHUNK_SIZE);
        const index = cy * CHUNKS_PER_ROW + cx;
        let chunk = chunks.get(index);
        if (!chunk) {
          chunk = new Map();
          chunks.set(index, chunk);
        }
        const offset = (y - cy * CHUNK_SIZE) * CHUNK_SIZE + (x - cx * CHUNK_SIZE);
        if (!chunk.has(offset)) pixels++;
        chunk.set(offset, color);
      }
      return refused;
    },
    get pixels() {
      return pixels;
    },
    build() {
      const out: ChunkChanges[] = [];
      for (const index of [...chunks.keys()].sort((a, b) => a - b)) {
        const chunk = chunks.get(index)!;
        const offsets = Uint16Array.from(chunk.keys()).sort();
        const colors = new Uint8Array(offsets.length);
        for (let i = 0; i < offsets.length; i++) colors[i] = chunk.get(offsets[i]!)!;
        out.push({ cx: index % CHUNKS_PER_ROW, cy: Math.floor(index / CHUNKS_PER_ROW), offsets, colors });
      }
      return out;
    },
  };
}

/** Coalesces one batch of writes (see createCoalescer). */
export function coalesce(writes: Iterable<PixelWrite>): ChunkChanges[] {
  const coalescer = createCoalescer();
  coalescer.add(writes);
  return coalescer.build();
}

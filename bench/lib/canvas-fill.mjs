// Canvas contents for the cold-start and snapshot benchmarks, written straight into Redis chunks.
import { canvasKeys, CHUNK_SIZE, chunkGrid } from '@tessera/protocol';

/** Deterministic PRNG (mulberry32): the same fill every run. */
export function prng(seed = 1) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const FILL_DESCRIPTIONS = {
  realistic:
    'mostly background; per megapixel ~45 artworks of 16–160 px a side (half solid with a border, a third tiled 8×8 sprites of 4 colours, the rest striped flags), then 0.5% of all pixels scattered at random',
  dense:
    'a late-event canvas: the same kinds of artworks at ~300 per megapixel (overlapping, almost no background left), then 3% of all pixels scattered at random',
  random: 'every pixel an independent uniformly random colour of 32 (the incompressible worst case)',
};

/**
 * A width×height canvas of palette indices, row-major.
 * @param {number} width @param {number} height @param {'realistic' | 'dense' | 'random'} kind
 */
export function makeCanvas(width, height, kind, colors = 32) {
  const rand = prng(width * 7919 + height);
  const pixels = new Uint8Array(width * height);
  const int = (/** @type {number} */ n) => Math.floor(rand() * n);
  if (kind === 'random') {
    for (let i = 0; i < pixels.length; i++) pixels[i] = int(colors);
    return pixels;
  }
  const artworks = Math.round(((kind === 'dense' ? 300 : 45) * width * height) / 1e6);
  for (let a = 0; a < artworks; a++) {
    const w = 16 + int(145);
    const h = 16 + int(145);
    const x0 = int(Math.max(1, width - w));
    const y0 = int(Math.max(1, height - h));
    const style = rand();
    const main = 1 + int(colors - 1);
    const border = 1 + int(colors - 1);
    const sprite = Array.from({ length: 64 }, () => (rand() < 0.35 ? 0 : 1 + int(colors - 1)));
    const palette4 = Array.from({ length: 4 }, () => 1 + int(colors - 1));
    const stripes = Array.from({ length: 3 }, () => 1 + int(colors - 1));
    for (let y = y0; y < Math.min(height, y0 + h); y++) {
      for (let x = x0; x < Math.min(width, x0 + w); x++) {
        let c;
        if (style < 0.5) c = x === x0 || y === y0 || x === x0 + w - 1 || y === y0 + h - 1 ? border : main;
        else if (style < 0.83) c = palette4[sprite[((y - y0) % 8) * 8 + ((x - x0) % 8)] % 4];
        else c = stripes[Math.floor(((y - y0) * 3) / h)];
        pixels[y * width + x] = c;
      }
    }
  }
  const scattered = Math.round(width * height * (kind === 'dense' ? 0.03 : 0.005));
  for (let i = 0; i < scattered; i++) pixels[int(width * height)] = 1 + int(colors - 1);
  return pixels;
}

/** Share of pixels that are not background. */
export function coverage(/** @type {Uint8Array} */ pixels) {
  let drawn = 0;
  for (const pixel of pixels) if (pixel !== 0) drawn++;
  return drawn / pixels.length;
}

/**
 * Writes a canvas into its chunk keys the way the placement script leaves them: one byte per
 * pixel, each chunk only as long as its last non-background byte, no key for an empty chunk.
 * @param {import('ioredis').Redis} redis
 * @param {string} canvasId
 * @param {Uint8Array} pixels
 * @param {number} width
 * @param {number} height
 */
export async function writeCanvas(redis, canvasId, pixels, width, height) {
  const keys = canvasKeys(canvasId);
  const { columns, rows } = chunkGrid(width, height);
  const batch = redis.pipeline();
  for (let cy = 0; cy < rows; cy++) {
    for (let cx = 0; cx < columns; cx++) {
      const chunk = new Uint8Array(CHUNK_SIZE * CHUNK_SIZE);
      for (let row = 0; row < CHUNK_SIZE; row++) {
        const y = cy * CHUNK_SIZE + row;
        if (y >= height) break;
        const x0 = cx * CHUNK_SIZE;
        const length = Math.min(CHUNK_SIZE, width - x0);
        chunk.set(pixels.subarray(y * width + x0, y * width + x0 + length), row * CHUNK_SIZE);
      }
      let end = chunk.length;
      while (end > 0 && chunk[end - 1] === 0) end--;
      if (end === 0) batch.del(keys.chunk(cx, cy));
      else batch.set(keys.chunk(cx, cy), Buffer.from(chunk.buffer, 0, end));
    }
  }
  await batch.exec();
}

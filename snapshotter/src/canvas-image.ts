import { CHUNK_SIZE, parseHexColor, type ChunkData } from '@tessera/protocol';
import type { HistorySegment } from './history-format.js';
import { encodeIndexedPng } from './png-writer.js';

/** One byte per pixel (the palette index), row by row: the canvas as one flat image. */
export interface CanvasPixels {
  readonly width: number;
  readonly height: number;
  readonly pixels: Uint8Array;
}

/** Lays the chunks out as one image; missing chunks and missing tails are background (0). */
export function chunksToPixels(width: number, height: number, chunks: readonly ChunkData[]): CanvasPixels {
  const pixels = new Uint8Array(width * height);
  for (const { cx, cy, bytes } of chunks) {
    const left = cx * CHUNK_SIZE;
    const top = cy * CHUNK_SIZE;
    const columns = Math.min(CHUNK_SIZE, width - left);
    for (let row = 0; row < CHUNK_SIZE && top + row < height; row++) {
      const start = row * CHUNK_SIZE;
      if (start >= bytes.length || columns <= 0) break;
      const end = Math.min(start + columns, bytes.length);
      pixels.set(bytes.subarray(start, end), (top + row) * width + left);
    }
  }
  return { width, height, pixels };
}

/**
 * Replays placements over an image, in order (each sets one pixel). Events outside the image are
 * skipped: a replay across a resize is only as good as the sizes agree.
 */
export function replaySegment(image: CanvasPixels, segment: Pick<HistorySegment, 'events'>): void {
  for (const event of segment.events) {
    if (event.x < image.width && event.y < image.height) image.pixels[event.y * image.width + event.x] = event.color;
  }
}

/**
 * An indexed PNG (colour type 3, 8 bits) of the canvas with its palette as PLTE: exact colours,
 * about one byte per pixel before compression. An index beyond the palette (possible only from
 * outside Tessera) is drawn as the background.
 */
export function encodeCanvasPng(image: CanvasPixels, palette: readonly string[]): Promise<Uint8Array> {
  let data = image.pixels;
  const size = palette.length;
  for (const index of data) {
    if (index >= size) {
      data = data.map((index) => (index < size ? index : 0));
      break;
    }
  }
  return encodeIndexedPng(
    image.width,
    image.height,
    data,
    palette.map((color) => parseHexColor(color)),
  );
}

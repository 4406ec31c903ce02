import { BinaryReader, BinaryWriter } from './binary.js';
import { asDecodeError } from './delta-codec.js';
import { type Decoded, DecodeError } from './errors.js';
import { FrameKind, FRAME_HEADER_BYTES, POSITION_BYTES, readHeader, readPosition, writeHeader, writePosition } from './frame-header.js';
import { CHUNK_BYTES, CHUNK_SIZE, LIMITS } from './limits.js';
import type { StreamPosition } from './stream-position.js';

export interface ChunkData {
  readonly cx: number;
  readonly cy: number;
  /** Up to CHUNK_BYTES; shorter means the rest is background (index 0). */
  readonly bytes: Uint8Array;
}

/**
 * Chunks read from Redis in one atomic step together with the stream position they reflect:
 * the body of `GET /api/canvas/data`. Chunks that do not exist are omitted (all background).
 */
export interface CanvasFrame {
  readonly position: StreamPosition;
  readonly configVersion: number;
  readonly width: number;
  readonly height: number;
  readonly chunks: readonly ChunkData[];
}

export const CANVAS_CONTENT_TYPE = 'application/vnd.tessera.canvas';

const CANVAS_FIXED_BYTES = FRAME_HEADER_BYTES + POSITION_BYTES + 4 * 4;
const CHUNK_HEADER_BYTES = 8;

export function encodeCanvas(frame: CanvasFrame): Uint8Array {
  let size = CANVAS_FIXED_BYTES;
  for (const chunk of frame.chunks) size += CHUNK_HEADER_BYTES + chunk.bytes.length;
  const writer = new BinaryWriter(size);
  writeHeader(writer, FrameKind.Canvas);
  writePosition(writer, frame.position);
  writer.u32(frame.configVersion);
  writer.u32(frame.width);
  writer.u32(frame.height);
  writer.u32(frame.chunks.length);
  for (const chunk of frame.chunks) {
    writer.u16(chunk.cx);
    writer.u16(chunk.cy);
    writer.u32(chunk.bytes.length);
    writer.raw(chunk.bytes);
  }
  return writer.bytes;
}

export function decodeCanvas(bytes: Uint8Array): Decoded<CanvasFrame> {
  try {
    const reader = new BinaryReader(bytes);
    readHeader(reader, FrameKind.Canvas);
    const position = readPosition(reader, 'position');
    const configVersion = reader.u32('config version');
    const width = reader.u32('width');
    const height = reader.u32('height');
    if (width < 1 || height < 1 || width > LIMITS.maxCanvasSide || height > LIMITS.maxCanvasSide) {
      throw new DecodeError(`canvas size ${width}×${height} is outside the limits`);
    }
    const count = reader.u32('chunk count');
    const columns = Math.ceil(width / CHUNK_SIZE);
    const rows = Math.ceil(height / CHUNK_SIZE);
    if (count > columns * rows) throw new DecodeError(`canvas claims ${count} chunks for a ${columns}×${rows} grid`);
    const chunks: ChunkData[] = [];
    for (let i = 0; i < count; i++) {
      const cx = reader.u16('chunk x');
      const cy = reader.u16('chunk y');
      const length = reader.u32('chunk length');
      if (length > CHUNK_BYTES) throw new DecodeError(`chunk ${cx},${cy} is ${length} bytes`);
      if (cx >= columns || cy >= rows) throw new DecodeError(`chunk ${cx},${cy} lies outside the canvas`);
      chunks.push({ cx, cy, bytes: reader.slice(length, 'chunk bytes') });
    }
    reader.end();
    return { ok: true, value: { position, configVersion, width, height, chunks } };
  } catch (error) {
    return { ok: false, error: asDecodeError(error) };
  }
}

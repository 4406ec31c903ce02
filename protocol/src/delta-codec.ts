import { BinaryReader, BinaryWriter } from './binary.js';
import { type Decoded, DecodeError } from './errors.js';
import { FrameKind, FRAME_HEADER_BYTES, POSITION_BYTES, readHeader, readPosition, writeHeader, writePosition } from './frame-header.js';
import { CHUNK_BYTES, LIMITS } from './limits.js';
import { comparePositions, type StreamPosition } from './stream-position.js';

/** The pixels of one chunk that changed in a delta's window, with their final colours. */
export interface ChunkChanges {
  readonly cx: number;
  readonly cy: number;
  /** Byte offsets inside the chunk (y * 256 + x). */
  readonly offsets: Uint16Array;
  readonly colors: Uint8Array;
}

/**
 * Every pixel that changed in the stream window (start, end], holding its colour at `end`.
 * Applying it to a canvas read at any position inside the window yields the canvas at `end`,
 * and applying it twice is harmless.
 */
export interface Delta {
  /** Random per writer history: a new epoch (Redis restored or wiped) means sequence numbers restarted. */
  readonly epoch: number;
  /** Contiguous per epoch; a gap tells the client it missed one. */
  readonly seq: number;
  /** Exclusive: the end of the previous delta. */
  readonly start: StreamPosition;
  /** Inclusive: the id of the last event folded in. */
  readonly end: StreamPosition;
  readonly configVersion: number;
  readonly chunks: readonly ChunkChanges[];
}

// epoch u32, seq u32, start, end, configVersion u32, chunk count u32
const DELTA_FIXED_BYTES = FRAME_HEADER_BYTES + 8 + POSITION_BYTES * 2 + 4 + 4;
// cx u16, cy u16, count u32
const CHUNK_HEADER_BYTES = 8;
// offset u16, colour u8
const PIXEL_BYTES = 3;

export function encodeDelta(delta: Delta): Uint8Array {
  let size = DELTA_FIXED_BYTES;
  for (const chunk of delta.chunks) size += CHUNK_HEADER_BYTES + chunk.offsets.length * PIXEL_BYTES;
  const writer = new BinaryWriter(size);
  writeHeader(writer, FrameKind.Delta);
  writer.u32(delta.epoch);
  writer.u32(delta.seq);
  writePosition(writer, delta.start);
  writePosition(writer, delta.end);
  writer.u32(delta.configVersion);
  writer.u32(delta.chunks.length);
  for (const chunk of delta.chunks) {
    writer.u16(chunk.cx);
    writer.u16(chunk.cy);
    writer.u32(chunk.offsets.length);
    for (let i = 0; i < chunk.offsets.length; i++) {
      writer.u16(chunk.offsets[i]!);
      writer.u8(chunk.colors[i]!);
    }
  }
  return writer.bytes;
}

export function decodeDelta(bytes: Uint8Array): Decoded<Delta> {
  try {
    const reader = new BinaryReader(bytes);
    readHeader(reader, FrameKind.Delta);
    const epoch = reader.u32('epoch');
    const seq = reader.u32('seq');
    const start = readPosition(reader, 'start position');
    const end = readPosition(reader, 'end position');
    if (comparePositions(end, start) <= 0) throw new DecodeError('delta ends before it starts');
    const configVersion = reader.u32('config version');
    const chunkCount = reader.u32('chunk count');
    // Each chunk needs at least its header: refuse counts the buffer cannot hold before allocating.
    if (chunkCount * CHUNK_HEADER_BYTES > reader.remaining) throw new DecodeError(`chunk count ${chunkCount} exceeds the frame`);
    const chunks: ChunkChanges[] = [];
    let total = 0;
    for (let c = 0; c < chunkCount; c++) {
      const cx = reader.u16('chunk x');
      const cy = reader.u16('chunk y');
      const count = reader.u32('pixel count');
      if (count > CHUNK_BYTES) throw new DecodeError(`chunk ${cx},${cy} claims ${count} pixels`);
      total += count;
      if (total > LIMITS.maxDeltaPixels) throw new DecodeError(`delta exceeds ${LIMITS.maxDeltaPixels} pixels`);
      if (count * PIXEL_BYTES > reader.remaining) throw new DecodeError(`chunk ${cx},${cy} is truncated`);
      const offsets = new Uint16Array(count);
      const colors = new Uint8Array(count);
      for (let i = 0; i < count; i++) {
        offsets[i] = reader.u16('pixel offset');
        colors[i] = reader.u8('pixel colour');
      }
      chunks.push({ cx, cy, offsets, colors });
    }
    reader.end();
    return { ok: true, value: { epoch, seq, start, end, configVersion, chunks } };
  } catch (error) {
    return { ok: false, error: asDecodeError(error) };
  }
}

export function asDecodeError(error: unknown): DecodeError {
  return error instanceof DecodeError ? error : new DecodeError(`malformed frame: ${String(error)}`);
}

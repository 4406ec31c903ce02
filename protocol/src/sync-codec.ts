import { BinaryReader, BinaryWriter } from './binary.js';
import { asDecodeError } from './delta-codec.js';
import { type Decoded, DecodeError } from './errors.js';
import { FrameKind, FRAME_HEADER_BYTES, POSITION_BYTES, readHeader, readPosition, writeHeader, writePosition } from './frame-header.js';
import { LIMITS, CHUNK_SIZE } from './limits.js';
import type { StreamPosition } from './stream-position.js';

export interface ChunkChecksum {
  readonly cx: number;
  readonly cy: number;
  readonly checksum: number;
}

/**
 * The canvas's per-chunk checksums at `position`, sent right after the delta `afterSeq`
 * that ends there. A client that has applied that delta compares and refetches what differs.
 */
export interface Sync {
  readonly epoch: number;
  readonly afterSeq: number;
  readonly position: StreamPosition;
  readonly configVersion: number;
  readonly checksums: readonly ChunkChecksum[];
}

const SYNC_FIXED_BYTES = FRAME_HEADER_BYTES + 8 + POSITION_BYTES + 4 + 4;
const ENTRY_BYTES = 8;
const MAX_CHUNKS = (LIMITS.maxCanvasSide / CHUNK_SIZE) ** 2;

export function encodeSync(sync: Sync): Uint8Array {
  const writer = new BinaryWriter(SYNC_FIXED_BYTES + sync.checksums.length * ENTRY_BYTES);
  writeHeader(writer, FrameKind.Sync);
  writer.u32(sync.epoch);
  writer.u32(sync.afterSeq);
  writePosition(writer, sync.position);
  writer.u32(sync.configVersion);
  writer.u32(sync.checksums.length);
  for (const entry of sync.checksums) {
    writer.u16(entry.cx);
    writer.u16(entry.cy);
    writer.u32(entry.checksum);
  }
  return writer.bytes;
}

export function decodeSync(bytes: Uint8Array): Decoded<Sync> {
  try {
    const reader = new BinaryReader(bytes);
    readHeader(reader, FrameKind.Sync);
    const epoch = reader.u32('epoch');
    const afterSeq = reader.u32('seq');
    const position = readPosition(reader, 'position');
    const configVersion = reader.u32('config version');
    const count = reader.u32('chunk count');
    if (count > MAX_CHUNKS) throw new DecodeError(`sync claims ${count} chunks`);
    if (count * ENTRY_BYTES !== reader.remaining) throw new DecodeError(`sync claims ${count} chunks but carries ${reader.remaining} bytes`);
    const checksums: ChunkChecksum[] = [];
    for (let i = 0; i < count; i++) {
      checksums.push({ cx: reader.u16('chunk x'), cy: reader.u16('chunk y'), checksum: reader.u32('checksum') });
    }
    return { ok: true, value: { epoch, afterSeq, position, configVersion, checksums } };
  } catch (error) {
    return { ok: false, error: asDecodeError(error) };
  }
}

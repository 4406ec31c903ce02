import { BinaryReader, BinaryWriter } from './binary.js';
import { DecodeError } from './errors.js';
import type { StreamPosition } from './stream-position.js';

/** The first byte of every binary frame says what it is; the second, its format version. */
export const FrameKind = {
  Delta: 1,
  Sync: 2,
  Canvas: 3,
  /** History viewer: placements between two snapshots (history-viewer.ts). */
  HistoryEvents: 4,
} as const;
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

export const FRAME_FORMAT_VERSION = 1;
/**
 * Deltas moved to format 2 (varint, delta-coded offsets, an optionally deflated body). A client
 * built for format 1 drops them as "unsupported" and is still repaired by every sync (format 1);
 * a client seeing a format newer than its own knows it is outdated (see isNewerFormat).
 */
export const DELTA_FORMAT_VERSION = 2;
/**
 * Delta format 3: the same head, then every pixel bit-packed (packed-delta.ts). Decoded since this
 * build; a gateway may send it in place of format 2 when it is smaller (smallestDeltaFrame), while
 * the writer still stores and publishes format 2.
 */
export const PACKED_DELTA_FORMAT_VERSION = 3;
/** kind u8, version u8, flags u16. */
export const FRAME_HEADER_BYTES = 4;
/** ms f64, seq u32. */
export const POSITION_BYTES = 12;

export function writeHeader(writer: BinaryWriter, kind: FrameKind, flags = 0, version = FRAME_FORMAT_VERSION): void {
  writer.u8(kind);
  writer.u8(version);
  writer.u16(flags);
}

/** Reads and checks the header; returns the flags. */
export function readHeader(reader: BinaryReader, expected: FrameKind): number {
  return readVersionedHeader(reader, expected, [FRAME_FORMAT_VERSION]).flags;
}

/** Reads and checks the header against the format versions the caller decodes. */
export function readVersionedHeader(reader: BinaryReader, expected: FrameKind, versions: readonly number[]): { version: number; flags: number } {
  const kind = reader.u8('frame kind');
  if (kind !== expected) throw new DecodeError(`expected frame kind ${expected}, got ${kind}`);
  const version = reader.u8('format version');
  if (!versions.includes(version)) throw new DecodeError(`unsupported frame format version ${version}`);
  return { version, flags: reader.u16('flags') };
}

export function writePosition(writer: BinaryWriter, position: StreamPosition): void {
  writer.f64(position.ms);
  writer.u32(position.seq);
}

export function readPosition(reader: BinaryReader, what: string): StreamPosition {
  const ms = reader.f64(what);
  const seq = reader.u32(what);
  if (!Number.isSafeInteger(ms) || ms < 0) throw new DecodeError(`${what} has an invalid time ${ms}`);
  return { ms, seq };
}

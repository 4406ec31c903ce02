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
/** kind u8, version u8, flags u16. */
export const FRAME_HEADER_BYTES = 4;
/** ms f64, seq u32. */
export const POSITION_BYTES = 12;

export function writeHeader(writer: BinaryWriter, kind: FrameKind, flags = 0): void {
  writer.u8(kind);
  writer.u8(FRAME_FORMAT_VERSION);
  writer.u16(flags);
}

/** Reads and checks the header; returns the flags. */
export function readHeader(reader: BinaryReader, expected: FrameKind): number {
  const kind = reader.u8('frame kind');
  if (kind !== expected) throw new DecodeError(`expected frame kind ${expected}, got ${kind}`);
  const version = reader.u8('format version');
  if (version !== FRAME_FORMAT_VERSION) throw new DecodeError(`unsupported frame format version ${version}`);
  return reader.u16('flags');
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

import { type BinaryReader, type BinaryWriter, varintBytes } from './binary.js';
import type { Delta } from './delta-codec.js';
import { DecodeError } from './errors.js';
import { FRAME_HEADER_BYTES, FrameKind, writeHeader } from './frame-header.js';
import { comparePositions, type StreamPosition } from './stream-position.js';

/** kind, version, flags, epoch u32, seq u32: never compressed, so a frame is recognised unread. */
export const DELTA_HEAD_BYTES = FRAME_HEADER_BYTES + 8;

/** What delta formats 2 and 3 share after the header: epoch, seq, the window and the config version. */
export interface DeltaPreamble {
  readonly epoch: number;
  readonly seq: number;
  readonly start: StreamPosition;
  readonly end: StreamPosition;
  readonly configVersion: number;
}

/** Bytes writeDeltaPreamble takes, the head included. */
export function deltaPreambleBytes(delta: Delta): number {
  const back = Math.max(0, delta.end.ms - delta.start.ms);
  return (
    DELTA_HEAD_BYTES +
    varintBytes(delta.end.ms) +
    varintBytes(delta.end.seq) +
    varintBytes(back) +
    varintBytes(delta.start.seq) +
    varintBytes(delta.configVersion)
  );
}

/** Head (kind, version, flags 0, epoch, seq), then end.ms, end.seq, end.ms - start.ms, start.seq, configVersion as varints. */
export function writeDeltaPreamble(writer: BinaryWriter, delta: Delta, version: number): void {
  const back = delta.end.ms - delta.start.ms;
  writeHeader(writer, FrameKind.Delta, 0, version);
  writer.u32(delta.epoch);
  writer.u32(delta.seq);
  writer.varint(delta.end.ms);
  writer.varint(delta.end.seq);
  // A window that ends before it starts cannot be written as a distance back; keep it refusable.
  writer.varint(Math.max(0, back));
  writer.varint(back < 0 ? delta.end.seq + 1 : delta.start.seq);
  writer.varint(delta.configVersion);
}

/** Reads what writeDeltaPreamble wrote after the header, refusing a window that ends before it starts. */
export function readDeltaPreamble(reader: BinaryReader): DeltaPreamble {
  const epoch = reader.u32('epoch');
  const seq = reader.u32('seq');
  const endMs = reader.varint('end time');
  const endSeq = reader.varint('end seq');
  const back = reader.varint('window length');
  const startSeq = reader.varint('start seq');
  if (back > endMs) throw new DecodeError('delta starts before time 0');
  if (endSeq > 0xffff_ffff || startSeq > 0xffff_ffff) throw new DecodeError('delta has an out-of-range stream seq');
  const start = { ms: endMs - back, seq: startSeq };
  const end = { ms: endMs, seq: endSeq };
  if (comparePositions(end, start) <= 0) throw new DecodeError('delta ends before it starts');
  const configVersion = reader.varint('config version');
  return { epoch, seq, start, end, configVersion };
}

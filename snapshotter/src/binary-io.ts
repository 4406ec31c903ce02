/**
 * Little-endian byte writer and bounds-checked reader for the snapshot and history formats.
 * The reader (protocol's BinaryReader) throws SnapshotFormatError with what it was reading, and
 * never reads past the end.
 */
import { BinaryReader } from '@tessera/protocol';
import { SnapshotFormatError } from './format-error.js';

/** A writer that grows as needed (snapshots are sized by their chunks, segments by their events). */
export class ByteWriter {
  private buffer: Uint8Array;
  private view: DataView;
  private offset = 0;

  constructor(initialSize = 1024) {
    this.buffer = new Uint8Array(Math.max(16, initialSize));
    this.view = new DataView(this.buffer.buffer);
  }

  private ensure(size: number): void {
    if (this.offset + size <= this.buffer.length) return;
    let next = this.buffer.length * 2;
    while (next < this.offset + size) next *= 2;
    const grown = new Uint8Array(next);
    grown.set(this.buffer.subarray(0, this.offset));
    this.buffer = grown;
    this.view = new DataView(grown.buffer);
  }

  u8(value: number): void {
    this.ensure(1);
    this.view.setUint8(this.offset, value);
    this.offset += 1;
  }
  u16(value: number): void {
    this.ensure(2);
    this.view.setUint16(this.offset, value, true);
    this.offset += 2;
  }
  u32(value: number): void {
    this.ensure(4);
    this.view.setUint32(this.offset, value, true);
    this.offset += 4;
  }
  /** An unsigned integer up to 2^53 (epoch ms, stream ids) in 8 bytes. */
  u64(value: number): void {
    this.ensure(8);
    this.view.setBigUint64(this.offset, BigInt(value), true);
    this.offset += 8;
  }
  /** Unsigned LEB128, for small deltas; exact up to 2^53. */
  varint(value: number): void {
    let rest = value;
    while (rest >= 0x80) {
      this.u8((rest % 0x80) | 0x80);
      rest = Math.floor(rest / 0x80);
    }
    this.u8(rest);
  }
  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buffer.set(bytes, this.offset);
    this.offset += bytes.length;
  }
  get length(): number {
    return this.offset;
  }
  /** The bytes written so far (a view, not a copy). */
  get bytes(): Uint8Array {
    return this.buffer.subarray(0, this.offset);
  }
}

/** The protocol's bounds-checked reader, failing with SnapshotFormatError naming the object kind. */
export class ByteReader extends BinaryReader {
  constructor(bytes: Uint8Array, what: string) {
    super(bytes, { what, fail: (message) => new SnapshotFormatError(message) });
  }
}

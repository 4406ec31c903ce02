/**
 * Little-endian byte writer and bounds-checked reader for the snapshot and history formats.
 * The reader throws SnapshotFormatError with what it was reading, never reads past the end.
 */
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

export class ByteReader {
  private readonly view: DataView;
  private offset = 0;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly what: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private need(size: number, field: string): void {
    if (this.offset + size > this.bytes.byteLength) {
      throw new SnapshotFormatError(
        `${this.what} is truncated: ${field} needs ${size} bytes at offset ${this.offset} of ${this.bytes.byteLength}`,
      );
    }
  }
  u8(field: string): number {
    this.need(1, field);
    const value = this.view.getUint8(this.offset);
    this.offset += 1;
    return value;
  }
  u16(field: string): number {
    this.need(2, field);
    const value = this.view.getUint16(this.offset, true);
    this.offset += 2;
    return value;
  }
  u32(field: string): number {
    this.need(4, field);
    const value = this.view.getUint32(this.offset, true);
    this.offset += 4;
    return value;
  }
  u64(field: string): number {
    this.need(8, field);
    const value = this.view.getBigUint64(this.offset, true);
    this.offset += 8;
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new SnapshotFormatError(`${this.what} has an out-of-range ${field}`);
    return Number(value);
  }
  varint(field: string): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const byte = this.u8(field);
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) {
        if (!Number.isSafeInteger(value)) break;
        return value;
      }
      scale *= 0x80;
    }
    throw new SnapshotFormatError(`${this.what} has an out-of-range ${field}`);
  }
  /** A view of the next `length` bytes (not a copy). */
  slice(length: number, field: string): Uint8Array {
    this.need(length, field);
    const out = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }
  get remaining(): number {
    return this.bytes.byteLength - this.offset;
  }
  /** Refuses trailing bytes: a well-formed object ends exactly where its content does. */
  end(): void {
    if (this.remaining !== 0) throw new SnapshotFormatError(`${this.what} has ${this.remaining} unexpected bytes at its end`);
  }
}

import { DecodeError } from './errors.js';

/**
 * Little-endian writer over a buffer sized up front, so an encoder allocates exactly once.
 */
export class BinaryWriter {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  private offset = 0;

  constructor(size: number) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
  }

  u8(value: number): void {
    this.view.setUint8(this.offset, value);
    this.offset += 1;
  }
  u16(value: number): void {
    this.view.setUint16(this.offset, value, true);
    this.offset += 2;
  }
  u32(value: number): void {
    this.view.setUint32(this.offset, value, true);
    this.offset += 4;
  }
  f64(value: number): void {
    this.view.setFloat64(this.offset, value, true);
    this.offset += 8;
  }
  /** Unsigned LEB128, exact up to 2^53 (see varintBytes for its size). */
  varint(value: number): void {
    let rest = value;
    while (rest >= 0x80) {
      this.view.setUint8(this.offset++, (rest % 0x80) | 0x80);
      rest = Math.floor(rest / 0x80);
    }
    this.view.setUint8(this.offset++, rest);
  }
  raw(source: Uint8Array): void {
    this.bytes.set(source, this.offset);
    this.offset += source.length;
  }
  get written(): number {
    return this.offset;
  }
}

/** Bytes BinaryWriter.varint takes for a value. */
export function varintBytes(value: number): number {
  let bytes = 1;
  for (let rest = value; rest >= 0x80; rest = Math.floor(rest / 0x80)) bytes++;
  return bytes;
}

/** Options of a BinaryReader: what the bytes are, and the error a malformed read throws. */
export interface BinaryReaderOptions {
  /** Names the bytes in messages (default "frame"). */
  readonly what?: string;
  /** Builds the error to throw (default DecodeError, which the frame decoders catch). */
  readonly fail?: (message: string) => Error;
}

/**
 * Little-endian reader that checks every read against the end of the buffer and throws (by
 * default DecodeError, caught by the decoders) rather than reading out of bounds. Shared by the
 * wire frames and the snapshotter's storage formats.
 */
export class BinaryReader {
  private readonly view: DataView;
  private offset = 0;
  private readonly what: string;
  private readonly fail: (message: string) => Error;

  constructor(
    private readonly bytes: Uint8Array,
    options: BinaryReaderOptions = {},
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.what = options.what ?? 'frame';
    this.fail = options.fail ?? ((message) => new DecodeError(message));
  }

  private need(size: number, field: string): void {
    if (this.offset + size > this.bytes.byteLength) {
      throw this.fail(`${this.what} is truncated: ${field} needs ${size} bytes at offset ${this.offset} of ${this.bytes.byteLength}`);
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
  f64(field: string): number {
    this.need(8, field);
    const value = this.view.getFloat64(this.offset, true);
    this.offset += 8;
    return value;
  }
  /** An unsigned integer stored in 8 bytes, refused above 2^53. */
  u64(field: string): number {
    this.need(8, field);
    const value = this.view.getBigUint64(this.offset, true);
    this.offset += 8;
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw this.fail(`${this.what} has an out-of-range ${field}`);
    return Number(value);
  }
  /** Unsigned LEB128 of at most 8 bytes, exact up to 2^53. */
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
    throw this.fail(`${this.what} has an out-of-range ${field}`);
  }
  /** A view (not a copy) of the next `length` bytes. */
  slice(length: number, field: string): Uint8Array {
    this.need(length, field);
    const view = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return view;
  }
  get remaining(): number {
    return this.bytes.byteLength - this.offset;
  }
  /** Trailing bytes mean the bytes are not what their header claims. */
  end(): void {
    if (this.remaining !== 0) throw this.fail(`${this.what} has ${this.remaining} unexpected trailing bytes`);
  }
}

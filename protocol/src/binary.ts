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
  raw(source: Uint8Array): void {
    this.bytes.set(source, this.offset);
    this.offset += source.length;
  }
  get written(): number {
    return this.offset;
  }
}

/**
 * Little-endian reader that checks every read against the end of the buffer and throws
 * DecodeError (caught by the decoders) rather than reading out of bounds.
 */
export class BinaryReader {
  private readonly view: DataView;
  private offset = 0;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private need(size: number, what: string): void {
    if (this.offset + size > this.bytes.byteLength) {
      throw new DecodeError(`truncated frame: ${what} needs ${size} bytes at offset ${this.offset} of ${this.bytes.byteLength}`);
    }
  }
  u8(what: string): number {
    this.need(1, what);
    const value = this.view.getUint8(this.offset);
    this.offset += 1;
    return value;
  }
  u16(what: string): number {
    this.need(2, what);
    const value = this.view.getUint16(this.offset, true);
    this.offset += 2;
    return value;
  }
  u32(what: string): number {
    this.need(4, what);
    const value = this.view.getUint32(this.offset, true);
    this.offset += 4;
    return value;
  }
  f64(what: string): number {
    this.need(8, what);
    const value = this.view.getFloat64(this.offset, true);
    this.offset += 8;
    return value;
  }
  /** A view (not a copy) of the next `length` bytes. */
  slice(length: number, what: string): Uint8Array {
    this.need(length, what);
    const view = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return view;
  }
  get remaining(): number {
    return this.bytes.byteLength - this.offset;
  }
  /** Trailing bytes mean the frame is not what its header claims. */
  end(): void {
    if (this.remaining !== 0) throw new DecodeError(`frame has ${this.remaining} unexpected trailing bytes`);
  }
}

import { DecodeError } from './errors.js';

/** The longest run of zeros an exp-Golomb prefix may have before the reader refuses it. */
export const MAX_EXP_GOLOMB_PREFIX = 32;

/** Bits of the exp-Golomb code of order k for a value (k ≤ 30, value + 2^k < 2^32). */
export function expGolombBits(value: number, k: number): number {
  return 2 * (31 - Math.clz32(value + (1 << k))) - k + 1;
}

/**
 * MSB-first bit writer into a buffer the caller sized up front, from a byte offset on. The last
 * partial byte is left zero-padded (the buffer starts zeroed).
 */
export class BitWriter {
  private position: number;
  /** Pending bits not yet stored, fewer than 8. */
  private pending = 0;
  private pendingBits = 0;

  constructor(
    private readonly bytes: Uint8Array,
    byteOffset: number,
  ) {
    this.position = byteOffset;
  }

  /** `count` bits (up to 53) of a value below 2^count, high bit first. */
  bits(value: number, count: number): void {
    if (count <= 24) {
      this.push(value, count);
    } else if (count <= 32) {
      this.push(value >>> 16, count - 16);
      this.push(value & 0xffff, 16);
    } else {
      const low = count - 32;
      this.bits(Math.floor(value / 2 ** low), 32);
      this.bits(value % 2 ** low, low);
    }
  }

  bit(set: boolean): void {
    this.push(set ? 1 : 0, 1);
  }

  /**
   * Exp-Golomb of order k (k ≤ 30, value + 2^k < 2^32): value + 2^k in binary, preceded by as
   * many zeros as it has bits past k + 1.
   */
  expGolomb(value: number, k: number): void {
    const x = value + (1 << k);
    const width = 32 - Math.clz32(x);
    const zeros = width - k - 1;
    // The zeros are x's own leading bits when x is written in zeros + width bits.
    if (zeros + width <= 32) {
      this.bits(x, zeros + width);
    } else {
      this.bits(0, zeros);
      this.bits(x, width);
    }
  }

  /** Stores the last partial byte; returns the byte offset past the stream. */
  finish(): number {
    if (this.pendingBits > 0) this.bytes[this.position++] = this.pending << (8 - this.pendingBits);
    this.pending = 0;
    this.pendingBits = 0;
    return this.position;
  }

  private push(value: number, count: number): void {
    // pending < 2^7 and count ≤ 24: the sum fits 31 bits.
    let acc = (this.pending << count) | value;
    let held = this.pendingBits + count;
    while (held >= 8) {
      held -= 8;
      this.bytes[this.position++] = (acc >>> held) & 0xff;
    }
    acc &= (1 << held) - 1;
    this.pending = acc;
    this.pendingBits = held;
  }
}

/**
 * MSB-first bit reader over bytes from a byte offset to their end. Every read is checked against
 * the end and throws DecodeError (caught by the frame decoders) instead of reading past it.
 */
export class BitReader {
  private position: number;
  private readonly limit: number;

  constructor(
    private readonly bytes: Uint8Array,
    byteOffset: number,
    private readonly what = 'frame',
  ) {
    this.position = byteOffset * 8;
    this.limit = bytes.length * 8;
  }

  /** `count` bits as an unsigned number (exact up to 53 bits; beyond, only its magnitude is). */
  bits(count: number, field: string): number {
    this.need(count, field);
    if (count <= 25) return this.take(count);
    let value = 0;
    let rest = count;
    for (; rest > 25; rest -= 25) value = value * 2 ** 25 + this.take(25);
    return value * 2 ** rest + this.take(rest);
  }

  bit(field: string): boolean {
    this.need(1, field);
    const set = (this.bytes[this.position >>> 3]! >>> (7 - (this.position & 7))) & 1;
    this.position++;
    return set === 1;
  }

  /** Exp-Golomb of order k; refuses a prefix longer than MAX_EXP_GOLOMB_PREFIX zeros. */
  expGolomb(k: number, field: string): number {
    let zeros = 0;
    for (;;) {
      this.need(1, field);
      const used = this.position & 7;
      // The current byte's unread bits, at the top of 8.
      const rest = (this.bytes[this.position >>> 3]! << used) & 0xff;
      const lead = rest === 0 ? 8 - used : Math.clz32(rest) - 24;
      zeros += lead;
      this.position += lead;
      if (zeros > MAX_EXP_GOLOMB_PREFIX) throw new DecodeError(`${this.what} has an over-long ${field} (more than ${MAX_EXP_GOLOMB_PREFIX} leading zeros)`);
      if (rest !== 0) break;
    }
    this.position++; // the 1 that ends the prefix
    // With that 1 on top, the next zeros + k bits are value + 2^k.
    const rest = zeros + k;
    if (rest <= 25) {
      this.need(rest, field);
      return ((1 << rest) | this.take(rest)) - (1 << k);
    }
    return (2 ** zeros - 1) * 2 ** k + this.bits(rest, field);
  }

  /** Bits left before the end of the bytes. */
  get remaining(): number {
    return this.limit - this.position;
  }

  /**
   * The stream must end in the last byte: its padding bits zero and no byte after it.
   */
  end(): void {
    const padding = (8 - (this.position & 7)) & 7;
    if (padding > 0 && this.bits(padding, 'padding') !== 0) throw new DecodeError(`${this.what} has non-zero padding bits`);
    if (this.remaining !== 0) throw new DecodeError(`${this.what} has ${this.remaining / 8} unexpected trailing bytes`);
  }

  /** Up to 25 bits the caller checked are there: one read of the (up to) four bytes holding them. */
  private take(count: number): number {
    if (count === 0) return 0;
    const at = this.position >>> 3;
    const bytes = this.bytes;
    const last = bytes.length - 1;
    const window =
      (bytes[at]! << 24) | ((at + 1 <= last ? bytes[at + 1]! : 0) << 16) | ((at + 2 <= last ? bytes[at + 2]! : 0) << 8) | (at + 3 <= last ? bytes[at + 3]! : 0);
    const value = (window << (this.position & 7)) >>> (32 - count);
    this.position += count;
    return value;
  }

  private need(count: number, field: string): void {
    if (this.position + count > this.limit) {
      throw new DecodeError(`${this.what} is truncated: ${field} needs ${count} bits at bit ${this.position} of ${this.limit}`);
    }
  }
}

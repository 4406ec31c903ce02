import { BinaryReader, BinaryWriter, varintBytes } from './binary.js';
import { BitReader, BitWriter } from './bit-stream.js';
import type { ChunkChanges, Delta } from './delta-codec.js';
import { deltaPreambleBytes, readDeltaPreamble, writeDeltaPreamble } from './delta-preamble.js';
import { DecodeError } from './errors.js';
import { PACKED_DELTA_FORMAT_VERSION } from './frame-header.js';
import { CHUNK_BYTES, LIMITS, MAX_CHUNKS_PER_SIDE } from './limits.js';

/** Pixel ordinals (cy * 64 + cx) * 65536 + offset are below this (2^28). */
const POSITION_LIMIT = MAX_CHUNKS_PER_SIDE * MAX_CHUNKS_PER_SIDE * CHUNK_BYTES;
const ORDER_BITS = 5;
/** Largest exp-Golomb order a frame may name (the 5-bit field's 31 is refused). */
const MAX_ORDER = 30;
const COLOR_WIDTH_BITS = 3;
/** Bit-length histogram bins per gap length (see chooseOrder). */
const BINS = 32;

/**
 * Format 3 (PACKED_DELTA_FORMAT_VERSION): for sparse deltas, where DEFLATE cannot shrink format 2.
 *   head  kind u8, version u8 (3), flags u16 (none defined: any set is refused), epoch u32, seq u32
 *   body  end.ms, end.seq, end.ms - start.ms, start.seq, configVersion, pixel count (LEB128 varints,
 *         as format 2), then a bit stream, MSB first within each byte, its last byte zero-padded and
 *         nothing after it. For 0 pixels the stream is empty; otherwise:
 *           k        5 bits: the exp-Golomb order of the gaps, 0..30
 *           mode     1 bit: 0 plain, 1 repeat-flagged colours
 *           width    3 bits: bits per colour minus 1 (every colour < 2^(width + 1))
 *           gaps     per pixel, in ascending ordinal p = (cy * 64 + cx) * 65536 + offset, the gap
 *                    p - previous - 1 (previous starts at -1) as exp-Golomb of order k
 *           colours  in the same order; plain: each in width + 1 bits; repeat-flagged: the first in
 *                    width + 1 bits, then per pixel a bit "same colour as the pixel before" and, when
 *                    it is 0, the colour in width + 1 bits
 * The encoder picks k and the colour mode that cost the fewest bits. The header fields come before
 * the gaps so a decoder knows the least a pixel can cost before it allocates for the count.
 */
export function encodePackedDelta(delta: Delta): Uint8Array {
  const { positions, colors } = sortedPixels(delta);
  const count = positions.length;
  if (count > LIMITS.maxDeltaPixels) throw new RangeError(`a delta of ${count} pixels exceeds ${LIMITS.maxDeltaPixels}`);
  const plan = count > 0 ? planStream(positions, colors) : undefined;
  const writer = new BinaryWriter(deltaPreambleBytes(delta) + varintBytes(count) + Math.ceil((plan?.bits ?? 0) / 8));
  writeDeltaPreamble(writer, delta, PACKED_DELTA_FORMAT_VERSION);
  writer.varint(count);
  if (!plan) return writer.bytes;
  const bits = new BitWriter(writer.bytes, writer.written);
  const { k, repeats, width } = plan;
  bits.bits(k, ORDER_BITS);
  bits.bit(repeats);
  bits.bits(width - 1, COLOR_WIDTH_BITS);
  let previous = -1;
  for (const position of positions) {
    bits.expGolomb(position - previous - 1, k);
    previous = position;
  }
  bits.bits(colors[0]!, width);
  for (let i = 1; i < count; i++) {
    if (repeats) {
      const same = colors[i] === colors[i - 1];
      bits.bit(same);
      if (same) continue;
    }
    bits.bits(colors[i]!, width);
  }
  bits.finish();
  return writer.bytes;
}

/** Whether format 3 can carry the delta: every chunk inside the largest canvas. */
export function fitsPackedDelta(delta: Delta): boolean {
  return delta.chunks.every(({ cx, cy }) => inGrid(cx) && inGrid(cy));
}

/** Reads a format-3 body after the header (see encodePackedDelta). */
export function readPackedDelta(reader: BinaryReader, flags: number): Delta {
  if (flags !== 0) throw new DecodeError(`delta format 3 defines no flags, got ${flags}`);
  const preamble = readDeltaPreamble(reader);
  const count = reader.varint('pixel count');
  if (count > LIMITS.maxDeltaPixels) throw new DecodeError(`delta exceeds ${LIMITS.maxDeltaPixels} pixels`);
  const bits = new BitReader(reader.slice(reader.remaining, 'pixels'), 0, 'delta');
  if (count === 0) {
    bits.end();
    return { ...preamble, chunks: [] };
  }
  const k = bits.bits(ORDER_BITS, 'gap order');
  if (k > MAX_ORDER) throw new DecodeError(`delta has an out-of-range gap order ${k}`);
  const repeats = bits.bit('colour mode');
  const width = bits.bits(COLOR_WIDTH_BITS, 'colour width') + 1;
  // The least the pixels can take (each gap k + 1 bits, the colours as few as their mode allows):
  // refuse a count the stream cannot hold before allocating for it.
  const least = count * (k + 1) + (repeats ? width + count - 1 : count * width);
  if (least > bits.remaining) throw new DecodeError(`delta of ${count} pixels is truncated`);
  const positions = new Uint32Array(count);
  let previous = -1;
  for (let i = 0; i < count; i++) {
    const position = previous + 1 + bits.expGolomb(k, 'pixel gap');
    // Below the limit, cx and cy are below 64: no chunk outside the largest canvas can be named.
    if (position >= POSITION_LIMIT) throw new DecodeError('delta has a pixel position past the last chunk');
    positions[i] = position;
    previous = position;
  }
  const colors = new Uint8Array(count);
  colors[0] = bits.bits(width, 'pixel colour');
  for (let i = 1; i < count; i++) colors[i] = repeats && bits.bit('colour repeat') ? colors[i - 1]! : bits.bits(width, 'pixel colour');
  bits.end();
  return { ...preamble, chunks: splitChunks(positions, colors) };
}

/** Every pixel as (ordinal, colour), ordinals strictly ascending; a repeated pixel keeps its last colour, as encodeDelta does. */
function sortedPixels(delta: Delta): { positions: Uint32Array; colors: Uint8Array } {
  let total = 0;
  for (const chunk of delta.chunks) total += chunk.offsets.length;
  const positions = new Uint32Array(total);
  const colors = new Uint8Array(total);
  let sorted = true;
  let i = 0;
  for (const { cx, cy, offsets, colors: chunkColors } of delta.chunks) {
    if (!inGrid(cx) || !inGrid(cy)) throw new RangeError(`chunk ${cx},${cy} is outside the largest canvas`);
    const base = (cy * MAX_CHUNKS_PER_SIDE + cx) * CHUNK_BYTES;
    for (let j = 0; j < offsets.length; j++, i++) {
      positions[i] = base + offsets[j]!;
      colors[i] = chunkColors[j]!;
      if (i > 0 && positions[i]! <= positions[i - 1]!) sorted = false;
    }
  }
  if (sorted) return { positions, colors };
  // Stable order by ordinal, then the last of each run of equal ordinals.
  const order = Array.from({ length: total }, (_, index) => index).sort((a, b) => positions[a]! - positions[b]! || a - b);
  const keep = order.filter((index, at) => at === order.length - 1 || positions[order[at + 1]!] !== positions[index]);
  return { positions: Uint32Array.from(keep, (index) => positions[index]!), colors: Uint8Array.from(keep, (index) => colors[index]!) };
}

/** The bit stream's fields and its length in bits for the cheapest k and colour mode. */
function planStream(positions: Uint32Array, colors: Uint8Array): { k: number; repeats: boolean; width: number; bits: number } {
  const { k, bits: gapBits } = chooseOrder(positions);
  let max = 0;
  let changes = 0;
  for (let i = 0; i < colors.length; i++) {
    max = Math.max(max, colors[i]!);
    if (i > 0 && colors[i] !== colors[i - 1]) changes++;
  }
  const count = colors.length;
  const width = Math.max(1, 32 - Math.clz32(max));
  const plain = count * width;
  const flagged = width + (count - 1) + changes * width;
  const repeats = flagged < plain;
  return { k, repeats, width, bits: ORDER_BITS + 1 + COLOR_WIDTH_BITS + gapBits + (repeats ? flagged : plain) };
}

/**
 * The exp-Golomb order costing the fewest bits over every gap, found exactly in one pass. A gap v
 * of bit length L codes in k + 1 bits when L ≤ k; otherwise in 2m - k + 1 bits, where m, the
 * top bit of v + 2^k, is L when bits k..L-1 of v are all ones and L - 1 when not. With r the
 * lowest bit of the run of ones at v's top, that is when k ≥ r: so a histogram of (L, r) prices
 * every k without another pass over the gaps.
 */
export function chooseOrder(positions: Uint32Array): { k: number; bits: number } {
  const histogram = new Float64Array(BINS * BINS);
  let previous = -1;
  for (const position of positions) {
    const gap = position - previous - 1;
    previous = position;
    const length = 32 - Math.clz32(gap);
    const below = ~gap & ((1 << length) - 1);
    histogram[length * BINS + (32 - Math.clz32(below))]!++;
  }
  let best = { k: 0, bits: Infinity };
  for (let k = 0; k <= MAX_ORDER; k++) {
    let bits = 0;
    for (let length = 0; length < BINS; length++) {
      for (let run = 0; run <= length; run++) {
        const n = histogram[length * BINS + run]!;
        if (n === 0) continue;
        const top = length <= k ? k : length - 1 + (k >= run ? 1 : 0);
        bits += n * (2 * top - k + 1);
      }
    }
    if (bits < best.bits) best = { k, bits };
  }
  return best;
}

/** Ascending ordinals and their colours as chunks, in ascending chunk index, offsets ascending. */
function splitChunks(positions: Uint32Array, colors: Uint8Array): ChunkChanges[] {
  const chunks: ChunkChanges[] = [];
  for (let first = 0; first < positions.length;) {
    const index = Math.floor(positions[first]! / CHUNK_BYTES);
    const base = index * CHUNK_BYTES;
    let last = first + 1;
    while (last < positions.length && positions[last]! < base + CHUNK_BYTES) last++;
    const offsets = new Uint16Array(last - first);
    for (let i = first; i < last; i++) offsets[i - first] = positions[i]! - base;
    chunks.push({ cx: index % MAX_CHUNKS_PER_SIDE, cy: Math.floor(index / MAX_CHUNKS_PER_SIDE), offsets, colors: colors.slice(first, last) });
    first = last;
  }
  return chunks;
}

function inGrid(coordinate: number): boolean {
  return Number.isInteger(coordinate) && coordinate >= 0 && coordinate < MAX_CHUNKS_PER_SIDE;
}

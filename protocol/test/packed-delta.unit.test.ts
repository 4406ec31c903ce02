import assert from 'node:assert/strict';
import { constants, deflateRawSync, inflateRawSync } from 'node:zlib';
import {
  decodeDelta,
  deflateDelta,
  DELTA_FORMAT_VERSION,
  encodeDelta,
  encodePackedDelta,
  inflateDeltaSync,
  isDeflatedDelta,
  LIMITS,
  newerDeltaFormat,
  PACKED_DELTA_FORMAT_VERSION,
  smallestDeltaFrame,
  type Delta,
} from '../src/index.js';
import { BinaryWriter, varintBytes } from '../src/binary.js';
import { BitReader, BitWriter, expGolombBits, MAX_EXP_GOLOMB_PREFIX } from '../src/bit-stream.js';
import { DecodeError } from '../src/errors.js';
import { chooseOrder } from '../src/packed-delta.js';
import { BASE_DELTA, deltaOf, drawingDelta, randomDelta, rectanglesDelta, seeded } from './support/deltas.js';

const inflate = (body: Uint8Array, maxBytes: number) => inflateRawSync(body, { maxOutputLength: maxBytes });
/** The frame as the writer publishes it: format 2, deflated when that is smaller. */
const published = (delta: Delta) => deflateDelta(encodeDelta(delta), (body) => deflateRawSync(body, { level: constants.Z_BEST_COMPRESSION }));

/** Format 3 decodes to exactly what format 2 decodes to. */
function assertRoundTrip(delta: Delta): Uint8Array {
  const packed = encodePackedDelta(delta);
  assert.equal(packed[1], PACKED_DELTA_FORMAT_VERSION);
  const expected = decodeDelta(encodeDelta(delta));
  assert.ok(expected.ok);
  const decoded = decodeDelta(packed);
  assert.ok(decoded.ok, decoded.ok ? '' : decoded.error.message);
  assert.deepEqual(decoded.value, expected.value);
  return packed;
}

/** A refusal that names what is wrong: a DecodeError of the decoder's own, not a wrapped exception. */
function assertRefused(bytes: Uint8Array, message: RegExp): void {
  const decoded = decodeDelta(bytes);
  assert.ok(!decoded.ok, 'accepted');
  assert.ok(decoded.error instanceof DecodeError);
  assert.doesNotMatch(decoded.error.message, /^malformed frame/, 'threw something other than a DecodeError');
  assert.match(decoded.error.message, message);
}

/** An empty delta's frame ends in its pixel count (0, one byte): swap in another count and a hand-made bit stream. */
function forged(count: number, stream: (bits: BitWriter) => void, streamBytes = 16): Uint8Array {
  const head = encodePackedDelta(BASE_DELTA);
  const writer = new BinaryWriter(head.length - 1 + varintBytes(count) + streamBytes);
  writer.raw(head.subarray(0, head.length - 1));
  writer.varint(count);
  const bits = new BitWriter(writer.bytes, writer.written);
  stream(bits);
  return writer.bytes.subarray(0, bits.finish());
}

function mean(trials: number, size: (random: () => number) => number): number {
  let total = 0;
  for (let trial = 0; trial < trials; trial++) total += size(seeded(1_000 + trial));
  return total / trials;
}

describe('the bit stream', () => {
  it('reads back every width of value, MSB first, and exp-Golomb codes of every order', () => {
    const random = seeded(5);
    const values: [number, number][] = [];
    for (let i = 0; i < 2_000; i++) {
      const width = 1 + Math.floor(random() * 53);
      values.push([Math.floor(random() * 2 ** width), width]);
    }
    const gaps = Array.from({ length: 2_000 }, (_, i) => [i % 3 === 0 ? Math.floor(random() * 2 ** 28) : Math.floor(random() * 300), i % 31] as const);
    const bytes = new Uint8Array(40_000);
    const writer = new BitWriter(bytes, 3);
    for (const [value, width] of values) writer.bits(value, width);
    let expected = 0;
    for (const [gap, k] of gaps) {
      writer.expGolomb(gap, k);
      expected += expGolombBits(gap, k);
    }
    writer.bit(true);
    const end = writer.finish();
    const reader = new BitReader(bytes.subarray(0, end), 3);
    for (const [value, width] of values) assert.equal(reader.bits(width, 'value'), value);
    const before = reader.remaining;
    for (const [gap, k] of gaps) assert.equal(reader.expGolomb(k, 'gap'), gap);
    assert.equal(before - reader.remaining, expected);
    assert.equal(reader.bit('last'), true);
    reader.end();
  });

  it('writes MSB first and pads the last byte with zeros', () => {
    const bytes = new Uint8Array(2);
    const writer = new BitWriter(bytes, 0);
    writer.bits(0b101, 3);
    writer.expGolomb(2, 0); // 2 + 1 = 0b11: one zero, then 11
    writer.bits(0b1111, 4);
    assert.equal(writer.finish(), 2);
    assert.deepEqual(bytes, Uint8Array.of(0b1010_1111, 0b1100_0000));
  });

  it('refuses reading past the end, an over-long prefix and non-zero padding', () => {
    assert.throws(
      () => new BitReader(Uint8Array.of(0xff), 0).bits(9, 'nine bits'),
      (e: unknown) => e instanceof DecodeError && e.message.includes('truncated'),
    );
    assert.throws(() => new BitReader(new Uint8Array(5), 0).expGolomb(0, 'gap'), /over-long gap/);
    assert.throws(() => new BitReader(new Uint8Array(3), 0).expGolomb(0, 'gap'), /truncated/);
    const padded = new BitReader(Uint8Array.of(0b1000_0001), 0);
    padded.bit('first');
    assert.throws(() => padded.end(), /non-zero padding/);
    const trailing = new BitReader(Uint8Array.of(0b1000_0000, 0), 0);
    trailing.bit('first');
    assert.throws(() => trailing.end(), /1 unexpected trailing bytes/);
    // A prefix of exactly the limit still reads.
    const longest = new Uint8Array(16);
    const writer = new BitWriter(longest, 0);
    writer.bits(0, MAX_EXP_GOLOMB_PREFIX);
    writer.bits(1, 1);
    writer.finish();
    assert.equal(new BitReader(longest, 0).expGolomb(0, 'gap'), 2 ** MAX_EXP_GOLOMB_PREFIX - 1);
  });
});

describe('delta format 3 (bit-packed)', () => {
  describe('round trips', () => {
    it('decodes an empty delta to what format 2 does, in the head and its varints alone', () => {
      const packed = assertRoundTrip(BASE_DELTA);
      assert.equal(packed.length, encodeDelta(BASE_DELTA).length, 'no bit stream for no pixels');
    });

    it('decodes one pixel, and the last pixel of the largest canvas in the widest colour', () => {
      assertRoundTrip(deltaOf([{ x: 3, y: 700, color: 1 }]));
      assertRoundTrip(deltaOf([{ x: 0, y: 0, color: 0 }]));
      const side = LIMITS.maxCanvasSide;
      const corner = { ...BASE_DELTA, chunks: [{ cx: 63, cy: 63, offsets: Uint16Array.of(65_535), colors: Uint8Array.of(255) }] };
      assert.deepEqual(deltaOf([{ x: side - 1, y: side - 1, color: 255 }]), corner);
      assertRoundTrip(corner);
      assertRoundTrip(
        deltaOf([
          { x: 0, y: 0, color: 7 },
          { x: side - 1, y: side - 1, color: 255 },
        ]),
      );
    });

    it('decodes every pixel of one chunk', () => {
      const offsets = Uint16Array.from({ length: 65_536 }, (_, i) => i);
      assertRoundTrip({ ...BASE_DELTA, chunks: [{ cx: 5, cy: 9, offsets, colors: Uint8Array.from(offsets, (o) => (o >> 7) % 32) }] });
      const packed = assertRoundTrip({ ...BASE_DELTA, chunks: [{ cx: 5, cy: 9, offsets, colors: new Uint8Array(65_536).fill(3) }] });
      assert.ok(packed.length < (65_536 * 2) / 8 + 64, `a solid chunk takes ${packed.length} bytes`);
    });

    it('decodes random sparse deltas of many sizes, with colours using all 8 bits', () => {
      for (const count of [1, 2, 3, 7, 50, 333, 1_000, 4_000, 20_000]) {
        for (let seed = 0; seed < 4; seed++) {
          assertRoundTrip(randomDelta(seeded(count * 10 + seed), count, 1000, 32));
          assertRoundTrip(randomDelta(seeded(count * 10 + seed + 5), count, LIMITS.maxCanvasSide, 256));
        }
      }
      for (const colors of [2, 3, 4, 16, 17, 128, 129]) assertRoundTrip(randomDelta(seeded(colors), 500, 1000, colors));
    });

    it('decodes clustered drawing: runs of one colour, and filled rectangles', () => {
      for (let seed = 0; seed < 20; seed++) {
        assertRoundTrip(drawingDelta(seeded(seed), 1 + seed, 1 + ((seed * 7) % 60)));
        assertRoundTrip(drawingDelta(seeded(seed), 30, 8, LIMITS.maxCanvasSide, 256));
      }
      assertRoundTrip(rectanglesDelta(seeded(3), 10, 20, 20));
    });

    it('sorts chunks and offsets it is handed out of order, keeping the last colour of a repeated pixel', () => {
      const shuffled: Delta = {
        ...BASE_DELTA,
        chunks: [
          { cx: 2, cy: 1, offsets: Uint16Array.of(9, 2, 9), colors: Uint8Array.of(1, 2, 3) },
          { cx: 0, cy: 0, offsets: Uint16Array.of(5), colors: Uint8Array.of(4) },
          { cx: 2, cy: 1, offsets: Uint16Array.of(2), colors: Uint8Array.of(6) },
        ],
      };
      const decoded = decodeDelta(encodePackedDelta(shuffled));
      assert.ok(decoded.ok);
      assert.deepEqual(decoded.value.chunks, [
        { cx: 0, cy: 0, offsets: Uint16Array.of(5), colors: Uint8Array.of(4) },
        { cx: 2, cy: 1, offsets: Uint16Array.of(2, 9), colors: Uint8Array.of(6, 3) },
      ]);
    });

    it('refuses to encode a chunk outside the largest canvas', () => {
      assert.throws(() => encodePackedDelta({ ...BASE_DELTA, chunks: [{ cx: 64, cy: 0, offsets: Uint16Array.of(1), colors: Uint8Array.of(1) }] }), RangeError);
    });
  });

  describe('size', () => {
    it('takes at most 175 bytes on average for 50 random pixels of a 1000×1000 canvas of 32 colours', () => {
      const average = mean(100, (random) => encodePackedDelta(randomDelta(random, 50)).length);
      assert.ok(average <= 175, `${average} bytes`);
      assert.ok(average < mean(100, (random) => published(randomDelta(random, 50)).length));
    });

    it('takes at most 95 bytes for 10 strokes of 5 same-colour pixels', () => {
      for (let trial = 0; trial < 20; trial++) {
        const size = encodePackedDelta(drawingDelta(seeded(trial), 10, 5)).length;
        assert.ok(size <= 95, `trial ${trial}: ${size} bytes`);
      }
    });

    it('picks the exp-Golomb order that costs the fewest bits', () => {
      const random = seeded(11);
      for (let trial = 0; trial < 50; trial++) {
        const positions = new Set<number>();
        const count = 1 + Math.floor(random() * 300);
        const spread = Math.max(2 * count, 2 ** Math.floor(random() * 29));
        while (positions.size < count) positions.add(Math.floor(random() * Math.min(spread, 2 ** 28)));
        const sorted = Uint32Array.from(positions).sort();
        const cost = (k: number) => sorted.reduce((sum, p, i) => sum + expGolombBits(p - (i > 0 ? sorted[i - 1]! : -1) - 1, k), 0);
        const costs = Array.from({ length: 31 }, (_, k) => cost(k));
        const { k, bits } = chooseOrder(sorted);
        assert.equal(bits, Math.min(...costs));
        assert.equal(bits, costs[k]);
      }
    });

    it('costs one flag bit per pixel when colours repeat, and none when they do not', () => {
      const solid = deltaOf(Array.from({ length: 64 }, (_, x) => ({ x, y: 0, color: 31 })));
      const striped = deltaOf(Array.from({ length: 64 }, (_, x) => ({ x, y: 0, color: x % 32 })));
      // Gaps of 0 at k = 0 are 1 bit each; header 9 bits; solid: 5 + 63 flags; striped: 64 × 5.
      const body = (delta: Delta) => encodePackedDelta(delta).length - encodePackedDelta(BASE_DELTA).length;
      assert.equal(body(solid), Math.ceil((9 + 64 + 5 + 63) / 8));
      assert.equal(body(striped), Math.ceil((9 + 64 + 64 * 5) / 8));
    });
  });

  describe('the smallest frame', () => {
    it('is format 2 deflated for a large clustered delta, where DEFLATE wins', () => {
      const delta = rectanglesDelta(seeded(8), 10, 20, 20);
      const frame = published(delta);
      assert.ok(isDeflatedDelta(frame));
      assert.ok(frame.length < encodePackedDelta(delta).length);
      assert.equal(smallestDeltaFrame(frame, inflate), frame);
    });

    it('is format 3 for a sparse delta, decoding to the same delta', () => {
      const delta = randomDelta(seeded(9), 50);
      const frame = published(delta);
      const smallest = smallestDeltaFrame(frame, inflate);
      assert.equal(smallest[1], PACKED_DELTA_FORMAT_VERSION);
      assert.ok(smallest.length < frame.length);
      assert.deepEqual(decodeDelta(smallest), decodeDelta(encodeDelta(delta)));
      // A large delta format 2 deflated: inflated first, then compared.
      const large = randomDelta(seeded(10), 4_000);
      const largeFrame = published(large);
      assert.ok(isDeflatedDelta(largeFrame));
      const packed = smallestDeltaFrame(largeFrame, inflate);
      assert.ok(packed[1] === PACKED_DELTA_FORMAT_VERSION && packed.length < largeFrame.length);
    });

    it('returns format 1, format 3 and frames it cannot decode unchanged', () => {
      const packed = encodePackedDelta(randomDelta(seeded(1), 50));
      assert.equal(smallestDeltaFrame(packed, inflate), packed);
      const v1 = Uint8Array.from(packed);
      v1[1] = 1;
      assert.equal(smallestDeltaFrame(v1, inflate), v1);
      const broken = encodeDelta(randomDelta(seeded(2), 50)).subarray(0, 40);
      assert.equal(smallestDeltaFrame(broken, inflate), broken);
      const damaged = Uint8Array.from(published(rectanglesDelta(seeded(8), 10, 20, 20)));
      damaged.fill(0xff, 12, 16);
      assert.equal(smallestDeltaFrame(damaged, inflate), damaged);
      const offGrid = encodeDelta({ ...BASE_DELTA, chunks: [{ cx: 64, cy: 0, offsets: Uint16Array.of(1), colors: Uint8Array.of(1) }] });
      assert.equal(smallestDeltaFrame(offGrid, inflate), offGrid);
      for (const tiny of [new Uint8Array(0), Uint8Array.of(1, 2)]) assert.equal(smallestDeltaFrame(tiny, inflate), tiny);
    });

    it('is left alone by the deflate helpers, and is no newer format', () => {
      const packed = encodePackedDelta(randomDelta(seeded(3), 400));
      assert.equal(isDeflatedDelta(packed), false);
      assert.equal(
        deflateDelta(packed, (body) => deflateRawSync(body)),
        packed,
      );
      const inflated = inflateDeltaSync(packed, inflate);
      assert.ok(inflated.ok && inflated.value === packed);
      assert.equal(newerDeltaFormat(packed), undefined);
      assert.equal(DELTA_FORMAT_VERSION, 2, 'the writer still stores format 2');
    });
  });

  describe('refusals', () => {
    const frames = [
      BASE_DELTA,
      deltaOf([{ x: 0, y: 0, color: 1 }]),
      deltaOf([{ x: LIMITS.maxCanvasSide - 1, y: LIMITS.maxCanvasSide - 1, color: 255 }]),
      randomDelta(seeded(4), 50),
      drawingDelta(seeded(4), 10, 5),
    ].map(encodePackedDelta);

    it('refuses a frame cut short at every length', () => {
      for (const frame of frames) {
        for (let length = 0; length < frame.length; length++) assertRefused(frame.subarray(0, length), /truncated/);
      }
    });

    it('refuses a trailing byte, after pixels or after none', () => {
      for (const frame of frames) {
        const longer = new Uint8Array(frame.length + 1);
        longer.set(frame);
        assertRefused(longer, /trailing/);
      }
    });

    it('refuses a non-zero padding bit', () => {
      // One pixel at 0, colour 1: 9 header bits, a 1-bit gap, a 1-bit colour, then 5 bits of padding.
      const frame = Uint8Array.from(frames[1]!);
      assert.equal(decodeDelta(frame).ok, true);
      for (let bit = 0; bit < 5; bit++) {
        const padded = Uint8Array.from(frame);
        padded[padded.length - 1]! |= 1 << bit;
        assertRefused(padded, /non-zero padding/);
      }
    });

    it('refuses an exp-Golomb prefix over 32 zeros', () => {
      const frame = forged(1, (bits) => {
        bits.bits(0, 9); // k 0, plain, 1-bit colours
        bits.bits(0, MAX_EXP_GOLOMB_PREFIX + 1);
        bits.bits(1, 1);
      });
      assertRefused(frame, /over-long pixel gap/);
    });

    it('refuses a position past the last chunk, and a gap order over 30', () => {
      const past = (gap: number) =>
        forged(1, (bits) => {
          bits.bits(0, 9);
          bits.expGolomb(gap, 0);
          bits.bits(1, 1);
        });
      assert.equal(decodeDelta(past(2 ** 28 - 1)).ok, true, 'the last pixel of the last chunk');
      assertRefused(past(2 ** 28), /past the last chunk/);
      const twice = forged(2, (bits) => {
        bits.bits(0, 9);
        bits.expGolomb(2 ** 28 - 1, 0);
        bits.expGolomb(0, 0);
        bits.bits(0, 2);
      });
      assertRefused(twice, /past the last chunk/);
      const order = forged(1, (bits) => {
        bits.bits(31, 5);
        bits.bits(0, 4);
        bits.bits(0, 40);
      });
      assertRefused(order, /gap order 31/);
    });

    it('refuses a pixel count over the limit, or over what the bytes can hold, before allocating', () => {
      assertRefused(
        forged(LIMITS.maxDeltaPixels + 1, () => undefined),
        /exceeds 1000000 pixels/,
      );
      assertRefused(
        forged(LIMITS.maxDeltaPixels, (bits) => bits.bits(0, 9), 64),
        /delta of 1000000 pixels is truncated/,
      );
      // 100 pixels need at least 100 gap bits and 100 colour bits (plain) or 100 (flagged): 25 bytes.
      for (const header of [0b00000_0_000, 0b00000_1_000]) {
        assertRefused(
          forged(100, (bits) => bits.bits(header, 9), 20),
          /delta of 100 pixels is truncated/,
        );
      }
    });

    it('refuses any set flag', () => {
      for (const flag of [1, 2, 0x80, 0x100, 0x8000]) {
        const flagged = Uint8Array.from(frames[3]!);
        new DataView(flagged.buffer).setUint16(2, flag, true);
        assertRefused(flagged, new RegExp(`defines no flags, got ${flag}`));
      }
    });

    it('refuses a window that ends before it starts, or at its start', () => {
      const delta = randomDelta(seeded(5), 10);
      assertRefused(encodePackedDelta({ ...delta, start: delta.end, end: delta.start }), /ends before it starts/);
      assertRefused(encodePackedDelta({ ...delta, start: delta.end }), /ends before it starts/);
    });

    it('never throws, nor refuses with anything but its own DecodeError, on damaged frames', () => {
      const random = seeded(77);
      for (const frame of frames) {
        for (let i = 0; i < 2_000; i++) {
          const damaged = Uint8Array.from(frame);
          const at = Math.floor(random() * damaged.length);
          damaged[at] = damaged[at]! ^ (1 << Math.floor(random() * 8));
          const decoded = decodeDelta(damaged);
          if (!decoded.ok) assert.doesNotMatch(decoded.error.message, /^malformed frame/);
        }
      }
      for (let i = 0; i < 2_000; i++) {
        const garbage = Uint8Array.from({ length: 12 + Math.floor(random() * 64) }, () => Math.floor(random() * 256));
        garbage[0] = 1;
        garbage[1] = PACKED_DELTA_FORMAT_VERSION;
        garbage[2] = garbage[3] = 0;
        const decoded = decodeDelta(garbage);
        if (!decoded.ok) assert.doesNotMatch(decoded.error.message, /^malformed frame/);
      }
    });
  });
});

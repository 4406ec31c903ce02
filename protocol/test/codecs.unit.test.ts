import assert from 'node:assert/strict';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import {
  chunkChecksum,
  CHUNK_BYTES,
  decodeCanvas,
  decodeDelta,
  decodeSync,
  decodeWireFrame,
  encodeCanvas,
  encodeDelta,
  encodePackedDelta,
  encodeSync,
  encodeWireFrame,
  chooseWireFormat,
  deflateDelta,
  DELTA_FORMAT_VERSION,
  DELTA_HEAD_BYTES,
  fromBase64,
  inflateDelta,
  inflateDeltaSync,
  isDeflatedDelta,
  MAX_DELTA_BODY_BYTES,
  newerDeltaFormat,
  PACKED_DELTA_FORMAT_VERSION,
  toBase64,
  WireFormat,
  type Delta,
} from '../src/index.js';
import { BinaryWriter } from '../src/binary.js';

const delta: Delta = {
  epoch: 0xdeadbeef,
  seq: 42,
  start: { ms: 1_700_000_000_000, seq: 3 },
  end: { ms: 1_700_000_000_500, seq: 0 },
  configVersion: 7,
  chunks: [
    { cx: 0, cy: 0, offsets: Uint16Array.of(0, 65_535), colors: Uint8Array.of(1, 31) },
    { cx: 63, cy: 2, offsets: Uint16Array.of(300), colors: Uint8Array.of(255) },
  ],
};

/** Every way a frame can be cut short or corrupted; none may throw or read out of bounds. */
function assertRefusesDamage(bytes: Uint8Array, decode: (bytes: Uint8Array) => { ok: boolean }): void {
  for (let length = 0; length < bytes.length; length++) {
    assert.equal(decode(bytes.subarray(0, length)).ok, false, `accepted a frame truncated to ${length} bytes`);
  }
  const longer = new Uint8Array(bytes.length + 1);
  longer.set(bytes);
  assert.equal(decode(longer).ok, false, 'accepted trailing garbage');
  let seed = 1;
  const random = () => (seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff) / 0x7fffffff;
  for (let i = 0; i < 2_000; i++) {
    const garbage = Uint8Array.from({ length: Math.floor(random() * 64) }, () => Math.floor(random() * 256));
    assert.doesNotThrow(() => decode(garbage));
  }
}

describe('the delta codec', () => {
  it('round-trips every field', () => {
    const decoded = decodeDelta(encodeDelta(delta));
    assert.ok(decoded.ok);
    assert.deepEqual(decoded.value, delta);
  });

  it('writes format 2: varint fields, offsets as gaps, colours after them', () => {
    const bytes = encodeDelta(delta);
    assert.equal(bytes[1], DELTA_FORMAT_VERSION);
    // head 12, end ms 6 + end seq 1 + back 2 + start seq 1 + config 1 + count 1; chunk heads 3 + 3;
    // gaps 1 + 3 (65,534) + 2 (300); colours 3
    assert.equal(bytes.length, 12 + 12 + 6 + 6 + 3);
  });

  it('costs one byte per pixel for gaps and colours of a drawing', () => {
    const offsets = Uint16Array.from({ length: 1000 }, (_, i) => 256 * Math.floor(i / 50) + (i % 50));
    const big = { ...delta, chunks: [{ cx: 1, cy: 1, offsets, colors: new Uint8Array(1000).fill(5) }] };
    assert.ok(encodeDelta(big).length < 1000 * 2 + 48);
    const squeezed = deflateDelta(encodeDelta(big), (body) => deflateRawSync(body));
    assert.ok(isDeflatedDelta(squeezed));
    assert.ok(squeezed.length < 100, `a 50×20 solid rectangle deflates to ${squeezed.length} bytes`);
  });

  it('sorts offsets it is handed out of order, keeping the last colour of a repeated pixel', () => {
    const decoded = decodeDelta(encodeDelta({ ...delta, chunks: [{ cx: 0, cy: 0, offsets: Uint16Array.of(9, 2, 9), colors: Uint8Array.of(1, 2, 3) }] }));
    assert.ok(decoded.ok);
    assert.deepEqual(decoded.value.chunks, [{ cx: 0, cy: 0, offsets: Uint16Array.of(2, 9), colors: Uint8Array.of(2, 3) }]);
  });

  it('still reads format 1 (what earlier writers stored and may re-send)', () => {
    const v1 = encodeDeltaV1(delta);
    const decoded = decodeDelta(v1);
    assert.ok(decoded.ok);
    assert.deepEqual(decoded.value, delta);
    assertRefusesDamage(v1, decodeDelta);
  });

  it('refuses truncated, extended and garbage buffers without throwing', () => {
    assertRefusesDamage(encodeDelta(delta), decodeDelta);
  });

  it('refuses a pixel count the buffer cannot hold before allocating for it', () => {
    const v1 = encodeDeltaV1({ ...delta, chunks: [{ cx: 0, cy: 0, offsets: Uint16Array.of(1), colors: Uint8Array.of(1) }] });
    new DataView(v1.buffer).setUint32(44 + 4, 0xffff_ffff, true);
    const decoded = decodeDelta(v1);
    assert.ok(!decoded.ok);
    assert.match(decoded.error.message, /claims|truncated/);
    // Format 2: one chunk claiming 65,536 pixels in a frame of a few bytes.
    const v2 = encodeDelta({ ...delta, chunks: [{ cx: 0, cy: 0, offsets: Uint16Array.of(1), colors: Uint8Array.of(1) }] });
    const head = v2.length - 5; // cx 0, cy 0, count 1, gap 1, colour
    const forged = Uint8Array.from([...v2.subarray(0, head), 0, 0, 0x80, 0x80, 0x04, 1, 1]);
    const refused = decodeDelta(forged);
    assert.ok(!refused.ok && refused.error.message.includes('truncated'), refused.ok ? 'accepted' : refused.error.message);
  });

  it('refuses offsets that run past the end of their chunk', () => {
    const bytes = encodeDelta({ ...delta, chunks: [{ cx: 0, cy: 0, offsets: Uint16Array.of(65_535, 65_535 - 1), colors: Uint8Array.of(1, 2) }] });
    assert.ok(decodeDelta(bytes).ok); // sorted: 65,534 then 65,535
    const gapPast = Uint8Array.from(bytes);
    gapPast[gapPast.length - 3] = 1; // the second gap: 65,534 + 1 + 1 = 65,536
    const decoded = decodeDelta(gapPast);
    assert.ok(!decoded.ok && decoded.error.message.includes('past its end'));
  });

  it('refuses a window that ends before it starts, and an unknown format version', () => {
    assert.equal(decodeDelta(encodeDelta({ ...delta, end: delta.start, start: delta.end })).ok, false);
    const bytes = encodeDelta(delta);
    bytes[1] = 99;
    const decoded = decodeDelta(bytes);
    assert.ok(!decoded.ok && decoded.error.message.includes('version 99'));
  });

  it('refuses a sync or canvas frame handed to it', () => {
    const sync = encodeSync({ epoch: 1, afterSeq: 1, position: { ms: 1, seq: 0 }, configVersion: 1, checksums: [] });
    assert.equal(decodeDelta(sync).ok, false);
  });
});

describe('a deflated delta', () => {
  const many: Delta = {
    ...delta,
    chunks: [{ cx: 3, cy: 1, offsets: Uint16Array.from({ length: 400 }, (_, i) => i * 7), colors: Uint8Array.from({ length: 400 }, (_, i) => 1 + (i % 4)) }],
  };
  const inflateSync = (body: Uint8Array, maxBytes: number) => inflateRawSync(body, { maxOutputLength: maxBytes });

  it('keeps epoch and seq readable and round-trips through inflating', async () => {
    const frame = deflateDelta(encodeDelta(many), (body) => deflateRawSync(body));
    assert.ok(isDeflatedDelta(frame) && frame.length < encodeDelta(many).length);
    assert.equal(new DataView(frame.buffer).getUint32(8, true), many.seq);
    const refused = decodeDelta(frame);
    assert.ok(!refused.ok && refused.error.message.includes('inflate it first'));
    // eslint-disable-next-line @typescript-eslint/require-await -- async so that a throw becomes a rejection, as with a real inflater
    const inflated = await inflateDelta(frame, async (body, maxBytes) => inflateSync(body, maxBytes));
    assert.ok(inflated.ok);
    assert.deepEqual(decodeDelta(inflated.value), { ok: true, value: many });
    const again = inflateDeltaSync(frame, inflateSync);
    assert.ok(again.ok && !isDeflatedDelta(again.value));
  });

  it('is sent uncompressed when compressing would not shrink it', () => {
    const plain = encodeDelta(delta);
    assert.equal(
      deflateDelta(plain, (body) => deflateRawSync(body)),
      plain,
    );
  });

  it('refuses a body that does not inflate, or inflates past the limit (a bomb)', () => {
    const frame = deflateDelta(encodeDelta(many), (body) => deflateRawSync(body));
    const damaged = Uint8Array.from(frame);
    damaged.fill(0xff, DELTA_HEAD_BYTES, DELTA_HEAD_BYTES + 4);
    const bad = inflateDeltaSync(damaged, inflateSync);
    assert.ok(!bad.ok && bad.error.message.includes('does not inflate'), bad.ok ? 'inflated' : bad.error.message);
    const bomb = Uint8Array.from([...frame.subarray(0, DELTA_HEAD_BYTES), ...deflateRawSync(new Uint8Array(MAX_DELTA_BODY_BYTES + 1))]);
    const exploded = inflateDeltaSync(bomb, inflateSync);
    assert.ok(!exploded.ok, 'inflated past the limit');
    for (let length = 0; length < frame.length; length++) {
      const cut = inflateDeltaSync(frame.subarray(0, length), inflateSync);
      assert.ok(!cut.ok || !decodeDelta(cut.value).ok, `accepted a deflated frame cut to ${length} bytes`);
    }
  });

  it('tells a format newer than this build from garbage', () => {
    const future = Uint8Array.from(encodeDelta(delta));
    future[1] = PACKED_DELTA_FORMAT_VERSION + 1;
    assert.equal(decodeDelta(future).ok, false);
    assert.equal(newerDeltaFormat(future), PACKED_DELTA_FORMAT_VERSION + 1);
    assert.equal(newerDeltaFormat(encodeDelta(delta)), undefined);
    assert.equal(newerDeltaFormat(encodePackedDelta(delta)), undefined, 'format 3 is known');
    assert.equal(newerDeltaFormat(Uint8Array.of(2, 9)), undefined);
  });
});

/** Format 1, as writers before format 2 stored it (the decoder must still read it). */
function encodeDeltaV1(d: Delta): Uint8Array {
  const size = 44 + d.chunks.reduce((sum, c) => sum + 8 + 3 * c.offsets.length, 0);
  const w = new BinaryWriter(size);
  w.u8(1);
  w.u8(1);
  w.u16(0);
  w.u32(d.epoch);
  w.u32(d.seq);
  w.f64(d.start.ms);
  w.u32(d.start.seq);
  w.f64(d.end.ms);
  w.u32(d.end.seq);
  w.u32(d.configVersion);
  w.u32(d.chunks.length);
  for (const c of d.chunks) {
    w.u16(c.cx);
    w.u16(c.cy);
    w.u32(c.offsets.length);
    for (let i = 0; i < c.offsets.length; i++) {
      w.u16(c.offsets[i]!);
      w.u8(c.colors[i]!);
    }
  }
  return w.bytes;
}

describe('the sync codec', () => {
  const sync = {
    epoch: 9,
    afterSeq: 12,
    position: { ms: 5, seq: 1 },
    configVersion: 3,
    checksums: [
      { cx: 1, cy: 2, checksum: 0xffffffff },
      { cx: 0, cy: 0, checksum: 0 },
    ],
  };

  it('round-trips', () => {
    const decoded = decodeSync(encodeSync(sync));
    assert.ok(decoded.ok);
    assert.deepEqual(decoded.value, sync);
  });

  it('refuses truncated, extended and garbage buffers without throwing', () => {
    assertRefusesDamage(encodeSync(sync), decodeSync);
  });
});

describe('the canvas codec', () => {
  const frame = {
    position: { ms: 10, seq: 2 },
    configVersion: 4,
    width: 600,
    height: 300,
    chunks: [{ cx: 2, cy: 1, bytes: Uint8Array.of(0, 1, 2, 3) }],
  };

  it('round-trips, keeping short chunks short', () => {
    const decoded = decodeCanvas(encodeCanvas(frame));
    assert.ok(decoded.ok);
    assert.deepEqual({ ...decoded.value, chunks: decoded.value.chunks.map((c) => ({ ...c, bytes: Uint8Array.from(c.bytes) })) }, frame);
  });

  it('refuses truncated, extended and garbage buffers without throwing', () => {
    assertRefusesDamage(encodeCanvas(frame), decodeCanvas);
  });

  it('refuses chunks outside the canvas and oversized chunks', () => {
    assert.equal(decodeCanvas(encodeCanvas({ ...frame, chunks: [{ cx: 3, cy: 0, bytes: Uint8Array.of(1) }] })).ok, false);
    assert.equal(decodeCanvas(encodeCanvas({ ...frame, chunks: [{ cx: 0, cy: 0, bytes: new Uint8Array(CHUNK_BYTES + 1) }] })).ok, false);
    assert.equal(decodeCanvas(encodeCanvas({ ...frame, width: 0 })).ok, false);
  });
});

describe('the wire forms', () => {
  it('base64 round-trips every length and matches Node', () => {
    for (let length = 0; length < 50; length++) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 37 + length) & 255);
      const text = toBase64(bytes);
      assert.equal(text, Buffer.from(bytes).toString('base64'));
      const back = fromBase64(text);
      assert.ok(back.ok);
      assert.deepEqual(back.value, bytes);
    }
  });

  it('refuses malformed base64 and unexpected frame types', () => {
    for (const bad of ['abc', '!!!!', 'ab=c', 'é123']) assert.equal(fromBase64(bad).ok, false, bad);
    for (const bad of [42, null, {}, ['a']]) assert.equal(decodeWireFrame(bad).ok, false);
  });

  it('sends small frames as text and larger ones as binary when asked for auto', () => {
    assert.equal(chooseWireFormat(WireFormat.Auto, 60), WireFormat.Base64);
    assert.equal(chooseWireFormat(WireFormat.Auto, 2_000), WireFormat.Binary);
    assert.equal(typeof encodeWireFrame(new Uint8Array(60), WireFormat.Auto), 'string');
    assert.ok(encodeWireFrame(new Uint8Array(2_000), WireFormat.Auto) instanceof Uint8Array);
    assert.equal(chooseWireFormat(WireFormat.Binary, 1), WireFormat.Binary);
    assert.equal(chooseWireFormat(WireFormat.Base64, 1_000_000), WireFormat.Base64);
  });

  it('carries the same frame as text or binary', () => {
    const bytes = encodeDelta(delta);
    for (const format of [WireFormat.Base64, WireFormat.Binary]) {
      const decoded = decodeWireFrame(encodeWireFrame(bytes, format));
      assert.ok(decoded.ok);
      assert.deepEqual(decoded.value, bytes);
    }
  });
});

describe('chunk checksums', () => {
  it('treat a short chunk as padded with background', () => {
    const full = new Uint8Array(CHUNK_BYTES);
    full[3] = 9;
    assert.equal(chunkChecksum(full.subarray(0, 4)), chunkChecksum(full));
    assert.equal(chunkChecksum(undefined), chunkChecksum(new Uint8Array(CHUNK_BYTES)));
    assert.notEqual(chunkChecksum(full), chunkChecksum(undefined));
  });
});

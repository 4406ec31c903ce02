import assert from 'node:assert/strict';
import {
  chunkChecksum,
  CHUNK_BYTES,
  decodeCanvas,
  decodeDelta,
  decodeSync,
  decodeWireFrame,
  encodeCanvas,
  encodeDelta,
  encodeSync,
  encodeWireFrame,
  fromBase64,
  toBase64,
  WireFormat,
  type Delta,
} from '../src/index.js';

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

  it('costs 3 bytes per pixel plus a small header', () => {
    assert.equal(encodeDelta(delta).length, 44 + 2 * 8 + 3 * 3);
  });

  it('refuses truncated, extended and garbage buffers without throwing', () => {
    assertRefusesDamage(encodeDelta(delta), decodeDelta);
  });

  it('refuses a pixel count the buffer cannot hold before allocating for it', () => {
    const bytes = encodeDelta({ ...delta, chunks: [{ cx: 0, cy: 0, offsets: Uint16Array.of(1), colors: Uint8Array.of(1) }] });
    new DataView(bytes.buffer).setUint32(44 + 4, 0xffff_ffff, true);
    const decoded = decodeDelta(bytes);
    assert.ok(!decoded.ok);
    assert.match(decoded.error.message, /claims|truncated/);
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

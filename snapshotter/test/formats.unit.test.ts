import assert from 'node:assert/strict';
import { CHUNK_BYTES, DEFAULT_PALETTE, parseHexColor } from '@tessera/protocol';
import { decode } from 'fast-png';
import { chunksToPixels, encodeCanvasPng, replaySegment } from '../src/canvas-image.js';
import { crc32 } from '../src/crc32.js';
import { Compression, ENVELOPE_HEADER_BYTES } from '../src/envelope.js';
import { SnapshotFormatError } from '../src/format-error.js';
import { decodeSegment, encodeSegment, type HistorySegment } from '../src/history-format.js';
import { contentCrc, decodeSnapshot, encodeSnapshot, type CanvasSnapshot } from '../src/snapshot-format.js';

function configHash(width: number, height: number, palette: readonly string[] = DEFAULT_PALETTE): Record<string, string> {
  return {
    width: String(width),
    height: String(height),
    palette: JSON.stringify(palette),
    paletteSize: String(palette.length),
    cooldownMs: '0',
    paused: '0',
    version: '7',
  };
}

function randomChunk(length: number, colors = 32): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = Math.floor(Math.random() * colors);
  return bytes;
}

function sample(): CanvasSnapshot {
  return {
    canvasId: 'main',
    takenAt: 1_732_870_000_123,
    position: { ms: 1_732_869_999_000, seq: 4 },
    width: 600,
    height: 300,
    configHash: configHash(600, 300),
    // Chunk 1,1 is short, as a chunk whose last pixels were never written.
    chunks: [
      { cx: 0, cy: 0, bytes: randomChunk(CHUNK_BYTES) },
      { cx: 2, cy: 0, bytes: randomChunk(CHUNK_BYTES) },
      { cx: 1, cy: 1, bytes: randomChunk(1234) },
    ],
  };
}

async function refusal(promise: Promise<unknown>): Promise<SnapshotFormatError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof SnapshotFormatError, `expected a SnapshotFormatError, got ${String(error)}`);
    return error;
  }
  assert.fail('the object was accepted');
}

describe('the binary snapshot format', () => {
  it('round-trips every field and every chunk byte, with brotli and with gzip', async () => {
    const snapshot = { ...sample(), restoredFrom: 'snapshots/0000000000001_0000000000000-0000000000.tsnap' };
    for (const compression of [Compression.Brotli, Compression.Gzip]) {
      const { bytes } = await encodeSnapshot(snapshot, compression);
      assert.equal(String.fromCharCode(...bytes.subarray(0, 4)), 'TSNP');
      const decoded = await decodeSnapshot(bytes);
      assert.deepEqual({ ...decoded, chunks: undefined }, { ...snapshot, chunks: undefined });
      assert.equal(decoded.chunks.length, snapshot.chunks.length);
      decoded.chunks.forEach((chunk, index) => {
        const original = snapshot.chunks[index]!;
        assert.deepEqual([chunk.cx, chunk.cy], [original.cx, original.cy]);
        assert.ok(Buffer.from(chunk.bytes).equals(Buffer.from(original.bytes)));
      });
    }
  });

  it('gives an unchanged canvas the same content checksum whenever it is taken', async () => {
    const snapshot = sample();
    const a = await encodeSnapshot(snapshot);
    const b = await encodeSnapshot({ ...snapshot, takenAt: snapshot.takenAt + 10_000, chunks: [...snapshot.chunks].reverse() });
    assert.equal(a.contentCrc, b.contentCrc);
    const changed = snapshot.chunks.map((chunk) => ({ ...chunk, bytes: Uint8Array.from(chunk.bytes) }));
    changed[0]!.bytes[0] = (changed[0]!.bytes[0]! + 1) % 32;
    assert.notEqual(contentCrc({ ...snapshot, chunks: changed }), a.contentCrc);
    assert.notEqual(contentCrc({ ...snapshot, configHash: { ...snapshot.configHash, version: '8' } }), a.contentCrc);
  });

  it('refuses an object that is not a snapshot', async () => {
    const error = await refusal(decodeSnapshot(new TextEncoder().encode('{"hello":"world"} and some more')));
    assert.match(error.message, /not a snapshot: magic/);
    assert.match((await refusal(decodeSnapshot(new Uint8Array(3)))).message, /shorter than the 12-byte header/);
  });

  it('refuses a newer format version by name', async () => {
    const { bytes } = await encodeSnapshot(sample());
    new DataView(bytes.buffer, bytes.byteOffset).setUint16(4, 2, true);
    assert.match((await refusal(decodeSnapshot(bytes))).message, /format version 2 is not supported/);
  });

  it('refuses a truncated object at every cut', async () => {
    const { bytes } = await encodeSnapshot(sample());
    for (const cut of [ENVELOPE_HEADER_BYTES, ENVELOPE_HEADER_BYTES + 10, Math.floor(bytes.length / 2), bytes.length - 1]) {
      const error = await refusal(decodeSnapshot(bytes.subarray(0, cut)));
      assert.match(error.message, /truncated or corrupt/);
    }
  });

  it('refuses a corrupted body (decompression or checksum)', async () => {
    const { bytes } = await encodeSnapshot(sample(), Compression.Gzip);
    for (const offset of [40, 200, 5_000, 50_000, bytes.length - 30]) {
      const copy = Uint8Array.from(bytes);
      copy[offset] = copy[offset]! ^ 0x10;
      assert.match((await refusal(decodeSnapshot(copy))).message, /corrupt/);
    }
  });

  it('refuses a payload whose checksum does not match, even when it inflates fine', async () => {
    const { bytes } = await encodeSnapshot(sample(), Compression.Gzip);
    const { gunzipSync, gzipSync } = await import('node:zlib');
    const inflated = gunzipSync(bytes.subarray(ENVELOPE_HEADER_BYTES));
    inflated[100] = inflated[100]! ^ 1;
    const forged = Buffer.concat([Buffer.from(bytes.subarray(0, ENVELOPE_HEADER_BYTES)), gzipSync(inflated)]);
    assert.match((await refusal(decodeSnapshot(forged))).message, /checksum 0x[0-9a-f]{8} does not match the stored 0x[0-9a-f]{8}/);
  });

  it('refuses contents outside the limits even under a valid checksum', async () => {
    const bad: [string, Partial<CanvasSnapshot>, RegExp][] = [
      ['a chunk outside the grid', { chunks: [{ cx: 9, cy: 0, bytes: new Uint8Array(10) }] }, /outside the 3×2 grid/],
      [
        'a chunk twice',
        {
          chunks: [
            { cx: 0, cy: 0, bytes: new Uint8Array(1) },
            { cx: 0, cy: 0, bytes: new Uint8Array(1) },
          ],
        },
        /twice/,
      ],
      ['an oversized chunk', { chunks: [{ cx: 0, cy: 0, bytes: new Uint8Array(CHUNK_BYTES + 1) }] }, /more than 65536/],
      ['a size beyond the limits', { width: 100_000, configHash: configHash(100_000, 300) }, /outside the limits/],
      ['a config that disagrees with the header', { configHash: configHash(601, 300) }, /config says 601×300/],
      ['a broken palette', { configHash: { ...configHash(600, 300), palette: '["red"]' } }, /palette/],
    ];
    for (const [what, change, pattern] of bad) {
      const { bytes } = await encodeSnapshot({ ...sample(), ...change });
      const error = await refusal(decodeSnapshot(bytes));
      assert.match(error.message, pattern, what);
    }
  });
});

describe('the history segment format', () => {
  const segment: HistorySegment = {
    after: { ms: 1_000, seq: 5 },
    until: { ms: 3_000, seq: 0 },
    gap: true,
    events: [
      { position: { ms: 1_000, seq: 6 }, x: 0, y: 0, color: 1, userId: 'alice' },
      { position: { ms: 2_000, seq: 0 }, x: 16_383, y: 7, color: 255, userId: 'bob' },
      { position: { ms: 2_000, seq: 1 }, x: 3, y: 16_000, color: 0, userId: 'alice' },
      { position: { ms: 3_000, seq: 0 }, x: 9, y: 9, color: 31, userId: 'ünïcødé' },
    ],
  };

  it('round-trips positions, pixels and users', async () => {
    const bytes = await encodeSegment(segment);
    assert.equal(String.fromCharCode(...bytes.subarray(0, 4)), 'TSEG');
    assert.deepEqual(await decodeSegment(bytes), segment);
  });

  it('refuses events out of stream order when writing', async () => {
    await assert.rejects(encodeSegment({ ...segment, events: [...segment.events].reverse() }), /stream order/);
  });

  it('refuses a truncated or corrupt segment', async () => {
    const bytes = await encodeSegment(segment);
    await refusal(decodeSegment(bytes.subarray(0, bytes.length - 3)));
    const copy = Uint8Array.from(bytes);
    copy[copy.length - 5] = copy[copy.length - 5]! ^ 0xff;
    await refusal(decodeSegment(copy));
    assert.match((await refusal(decodeSegment(bytes.subarray(0, 8)))).message, /history segment/);
  });
});

describe('the canvas image', () => {
  it('lays chunks out, with missing chunks and short chunks as background', () => {
    const a = new Uint8Array(CHUNK_BYTES).fill(3);
    const short = new Uint8Array(256 + 2).fill(5); // first row and two pixels of the second
    const image = chunksToPixels(300, 260, [
      { cx: 0, cy: 0, bytes: a },
      { cx: 1, cy: 1, bytes: short },
    ]);
    assert.equal(image.pixels[0], 3);
    assert.equal(image.pixels[255 * 300 + 255], 3);
    assert.equal(image.pixels[256], 0, 'chunk 1,0 is missing');
    assert.equal(image.pixels[256 * 300 + 256], 5);
    assert.equal(image.pixels[256 * 300 + 299], 5, 'cut at the canvas edge');
    assert.equal(image.pixels[257 * 300 + 256], 5);
    assert.equal(image.pixels[257 * 300 + 258], 0, 'past the short chunk');
  });

  it('encodes an indexed PNG that decodes to exactly the palette colours', async () => {
    const palette = DEFAULT_PALETTE.slice(0, 16);
    const pixels = Uint8Array.from({ length: 40 * 30 }, (_, i) => (i * 7) % 16);
    const png = await encodeCanvasPng({ width: 40, height: 30, pixels }, palette);
    assert.equal(png[25], 3, 'IHDR colour type 3 (indexed)');
    const decoded = decode(png);
    assert.equal(decoded.width, 40);
    assert.equal(decoded.height, 30);
    assert.equal(decoded.channels, 1);
    assert.deepEqual(
      decoded.palette,
      palette.map((color) => parseHexColor(color)),
    );
    assert.deepEqual([...decoded.data], [...pixels]);
  });

  it('replays placements in order over an image', () => {
    const image = { width: 10, height: 10, pixels: new Uint8Array(100) };
    replaySegment(image, {
      events: [
        { position: { ms: 1, seq: 0 }, x: 1, y: 2, color: 4, userId: 'a' },
        { position: { ms: 2, seq: 0 }, x: 1, y: 2, color: 6, userId: 'b' },
        { position: { ms: 3, seq: 0 }, x: 50, y: 2, color: 9, userId: 'b' },
      ],
    });
    assert.equal(image.pixels[21], 6);
    assert.equal(
      image.pixels.reduce((sum, value) => sum + value, 0),
      6,
    );
  });
});

describe('the CRC-32', () => {
  it('matches the reference value, also when continued over two parts', () => {
    const data = new TextEncoder().encode('123456789');
    assert.equal(crc32(data), 0xcbf43926);
    assert.equal(crc32(data.subarray(4), crc32(data.subarray(0, 4))), 0xcbf43926);
  });
});

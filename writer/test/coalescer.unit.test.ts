import assert from 'node:assert/strict';
import { CHUNK_SIZE, decodeDelta, encodeDelta } from '@tessera/protocol';
import { coalesce, createCoalescer } from '../src/coalescer.js';

describe('coalescing events into a delta', () => {
  it('yields no chunks for no events', () => {
    assert.deepEqual(coalesce([]), []);
    assert.equal(createCoalescer().pixels, 0);
  });

  it('keeps the last colour written to a pixel', () => {
    const chunks = coalesce([
      { x: 3, y: 4, color: 1 },
      { x: 3, y: 4, color: 7 },
      { x: 5, y: 4, color: 2 },
      { x: 3, y: 4, color: 5 },
    ]);
    assert.equal(chunks.length, 1);
    const [chunk] = chunks;
    assert.deepEqual([...chunk!.offsets], [4 * CHUNK_SIZE + 3, 4 * CHUNK_SIZE + 5]);
    assert.deepEqual([...chunk!.colors], [5, 2]);
  });

  it('keeps the last write across batches added one after another', () => {
    const coalescer = createCoalescer();
    coalescer.add([{ x: 0, y: 0, color: 1 }]);
    coalescer.add([
      { x: 0, y: 0, color: 0 },
      { x: 1, y: 0, color: 3 },
    ]);
    assert.equal(coalescer.pixels, 2);
    const [chunk] = coalescer.build();
    assert.deepEqual([...chunk!.colors], [0, 3]);
  });

  it('groups pixels by chunk, chunks ordered by row then column', () => {
    const chunks = coalesce([
      { x: 300, y: 10, color: 1 }, // chunk 1,0
      { x: 10, y: 600, color: 2 }, // chunk 0,2
      { x: 255, y: 255, color: 3 }, // chunk 0,0 (its last pixel)
      { x: 256, y: 0, color: 4 }, // chunk 1,0 (its first pixel)
    ]);
    assert.deepEqual(
      chunks.map(({ cx, cy }) => [cx, cy]),
      [
        [0, 0],
        [1, 0],
        [0, 2],
      ],
    );
    assert.deepEqual([...chunks[0]!.offsets], [CHUNK_SIZE * CHUNK_SIZE - 1]);
    assert.deepEqual([...chunks[1]!.offsets], [0, 10 * CHUNK_SIZE + 44]);
    assert.deepEqual([...chunks[1]!.colors], [4, 1]);
  });

  it('sorts offsets, so the same window always encodes the same bytes', () => {
    const writes = Array.from({ length: 500 }, (_, i) => ({ x: (i * 37) % 256, y: (i * 11) % 256, color: i % 8 }));
    const forward = coalesce(writes);
    const shuffled = coalesce([...writes].reverse());
    for (const chunk of forward) {
      const offsets = [...chunk.offsets];
      assert.deepEqual(
        offsets,
        [...offsets].sort((a, b) => a - b),
      );
    }
    assert.deepEqual(
      forward.map((chunk) => [...chunk.offsets]),
      shuffled.map((chunk) => [...chunk.offsets]),
    );
  });

  it('refuses writes no delta could carry, and counts them', () => {
    const coalescer = createCoalescer();
    const refused = coalescer.add([
      { x: -1, y: 0, color: 1 },
      { x: 0, y: 16_384, color: 1 },
      { x: 0, y: 0, color: 256 },
      { x: 0.5, y: 0, color: 1 },
      { x: 1, y: 1, color: 1 },
    ]);
    assert.equal(refused, 4);
    assert.equal(coalescer.pixels, 1);
  });

  it('produces chunks the delta codec round-trips', () => {
    const chunks = coalesce([
      { x: 1, y: 2, color: 3 },
      { x: 700, y: 900, color: 4 },
    ]);
    const delta = { epoch: 1, seq: 2, start: { ms: 1, seq: 0 }, end: { ms: 2, seq: 0 }, configVersion: 1, chunks };
    const decoded = decodeDelta(encodeDelta(delta));
    assert.ok(decoded.ok);
    assert.deepEqual(decoded.value, delta);
  });
});

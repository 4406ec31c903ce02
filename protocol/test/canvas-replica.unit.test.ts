import assert from 'node:assert/strict';
import { CanvasReplica, chunkChecksum, type CanvasFrame, type Delta, type StreamPosition } from '../src/index.js';

const at = (ms: number): StreamPosition => ({ ms, seq: 0 });
const EPOCH = 7;

/** A delta setting pixel offsets of chunk (0,0) over the window (start, end]. */
function delta(seq: number, start: number, end: number, pixels: [offset: number, color: number][], epoch = EPOCH): Delta {
  return {
    epoch,
    seq,
    start: at(start),
    end: at(end),
    configVersion: 1,
    chunks: pixels.length ? [{ cx: 0, cy: 0, offsets: Uint16Array.from(pixels.map(([o]) => o)), colors: Uint8Array.from(pixels.map(([, c]) => c)) }] : [],
  };
}

function canvasAt(position: number, pixels: [offset: number, color: number][]): CanvasFrame {
  const bytes = new Uint8Array(256);
  for (const [offset, color] of pixels) bytes[offset] = color;
  return { position: at(position), configVersion: 1, width: 16, height: 16, chunks: [{ cx: 0, cy: 0, bytes }] };
}

describe('a client canvas replica', () => {
  it('replays deltas that arrived while the canvas read was in flight, skipping those already in it', () => {
    const replica = new CanvasReplica();
    replica.applyDelta(delta(1, 0, 10, [[0, 1]]));
    replica.applyDelta(delta(2, 10, 20, [[1, 2]]));
    // The read happened at 15: it holds delta 1 and half of delta 2's window.
    assert.deepEqual(
      replica.loadCanvas(
        canvasAt(15, [
          [0, 1],
          [5, 5],
        ]),
      ),
      { kind: 'none' },
    );
    assert.equal(replica.colorAt(0, 0), 1);
    assert.equal(replica.colorAt(1, 0), 2);
    assert.equal(replica.colorAt(5, 0), 5);
  });

  it('does not let an old delta overwrite what a newer read holds', () => {
    const replica = new CanvasReplica();
    replica.applyDelta(delta(1, 0, 10, [[0, 1]]));
    replica.loadCanvas(canvasAt(12, [[0, 9]])); // pixel 0 changed again at 11
    assert.equal(replica.colorAt(0, 0), 9);
  });

  it('applies live deltas in order and ignores a resent one', () => {
    const replica = new CanvasReplica();
    replica.loadCanvas(canvasAt(5, []));
    assert.deepEqual(replica.applyDelta(delta(1, 5, 10, [[2, 3]])), { kind: 'none' });
    assert.deepEqual(replica.applyDelta(delta(2, 10, 20, [[2, 4]])), { kind: 'none' });
    assert.deepEqual(replica.applyDelta(delta(2, 10, 20, [[2, 4]])), { kind: 'none' });
    assert.deepEqual(replica.applyDelta(delta(1, 5, 10, [[2, 3]])), { kind: 'none' }, 'a stale resend must not roll back');
    assert.equal(replica.colorAt(2, 0), 4);
  });

  it('asks for a full refetch on a sequence gap and recovers with the next read', () => {
    const replica = new CanvasReplica();
    replica.loadCanvas(canvasAt(5, []));
    replica.applyDelta(delta(1, 5, 10, [[2, 3]]));
    const action = replica.applyDelta(delta(3, 20, 30, [[4, 4]]));
    assert.equal(action.kind, 'refetch-all');
    assert.equal(replica.loaded, false);
    replica.applyDelta(delta(4, 30, 40, [[6, 6]]));
    assert.deepEqual(
      replica.loadCanvas(
        canvasAt(35, [
          [2, 3],
          [4, 4],
          [6, 1],
        ]),
      ),
      { kind: 'none' },
    );
    assert.equal(replica.colorAt(6, 0), 6);
  });

  it('asks again when the read is older than every delta it buffered (a stale CDN copy)', () => {
    const replica = new CanvasReplica();
    replica.applyDelta(delta(8, 50, 60, [[0, 1]]));
    assert.equal(replica.loadCanvas(canvasAt(40, [])).kind, 'refetch-all');
  });

  it('asks for a refetch when the first live delta starts after the read', () => {
    const replica = new CanvasReplica();
    replica.loadCanvas(canvasAt(40, []));
    assert.equal(replica.applyDelta(delta(8, 50, 60, [[0, 1]])).kind, 'refetch-all');
  });

  it('starts over when the writer history restarts with a new epoch', () => {
    const replica = new CanvasReplica();
    replica.loadCanvas(canvasAt(5, []));
    replica.applyDelta(delta(1, 5, 10, [[2, 3]]));
    assert.equal(replica.applyDelta(delta(1, 0, 3, [[2, 3]], EPOCH + 1)).kind, 'refetch-all');
  });

  it('finds the chunks a sync says differ', () => {
    const replica = new CanvasReplica();
    replica.loadCanvas(canvasAt(5, []));
    replica.applyDelta(delta(1, 5, 10, [[2, 3]]));
    const truth = new Uint8Array(256);
    truth[2] = 3;
    const agree = { epoch: EPOCH, afterSeq: 1, position: at(10), configVersion: 1, checksums: [{ cx: 0, cy: 0, checksum: chunkChecksum(truth) }] };
    assert.deepEqual(replica.checkSync(agree), { kind: 'none' });
    truth[9] = 1; // drift the client missed
    const differ = { ...agree, checksums: [{ cx: 0, cy: 0, checksum: chunkChecksum(truth) }] };
    assert.deepEqual(replica.checkSync(differ), { kind: 'refetch-chunks', chunks: [{ cx: 0, cy: 0 }] });
  });

  it('repairs a client that missed the last delta before a quiet period (invariant 8)', () => {
    const replica = new CanvasReplica();
    replica.loadCanvas(canvasAt(5, []));
    replica.applyDelta(delta(1, 5, 10, [[2, 3]]));
    // Delta 2 (10, 20] setting pixel 4 was lost; the canvas then went quiet and the sync follows seq 2.
    const truth = new Uint8Array(256);
    truth[2] = 3;
    truth[4] = 6;
    const sync = { epoch: EPOCH, afterSeq: 2, position: at(20), configVersion: 1, checksums: [{ cx: 0, cy: 0, checksum: chunkChecksum(truth) }] };
    assert.deepEqual(replica.checkSync(sync), { kind: 'refetch-chunks', chunks: [{ cx: 0, cy: 0 }] });
    assert.deepEqual(
      replica.loadChunk(
        canvasAt(20, [
          [2, 3],
          [4, 6],
        ]),
        0,
        0,
      ),
      { kind: 'none' },
    );
    // The replica continues the sync's chain: delta 3 is no gap.
    assert.deepEqual(replica.applyDelta(delta(3, 20, 30, [[5, 1]])), { kind: 'none' });
    assert.equal(replica.colorAt(4, 0), 6);
    assert.equal(replica.colorAt(5, 0), 1);
  });

  it('repairs a stale read on a canvas where no delta arrived since (an idle or paused canvas)', () => {
    const replica = new CanvasReplica();
    replica.loadCanvas(canvasAt(5, [])); // a cached copy from before pixel 9 was placed at 8
    const truth = new Uint8Array(256);
    truth[9] = 2;
    const sync = { epoch: EPOCH, afterSeq: 4, position: at(8), configVersion: 1, checksums: [{ cx: 0, cy: 0, checksum: chunkChecksum(truth) }] };
    assert.deepEqual(replica.checkSync(sync), { kind: 'refetch-chunks', chunks: [{ cx: 0, cy: 0 }] });
  });

  it('gives no verdict on a sync older than its data', () => {
    const replica = new CanvasReplica();
    replica.loadCanvas(canvasAt(50, [[1, 1]]));
    const sync = { epoch: EPOCH, afterSeq: 4, position: at(40), configVersion: 1, checksums: [{ cx: 0, cy: 0, checksum: chunkChecksum(new Uint8Array(256)) }] };
    assert.deepEqual(replica.checkSync(sync), { kind: 'none' });
  });

  it('starts over on a sync that stands before deltas it applied (Redis rolled back)', () => {
    const replica = new CanvasReplica();
    replica.loadCanvas(canvasAt(5, []));
    replica.applyDelta(delta(1, 5, 10, [[2, 3]]));
    replica.applyDelta(delta(2, 10, 20, [[4, 4]]));
    const sync = { epoch: EPOCH, afterSeq: 1, position: at(10), configVersion: 1, checksums: [] };
    const action = replica.checkSync(sync);
    assert.equal(action.kind, 'refetch-all');
    assert.equal(replica.loaded, false);
  });

  it('treats a resend whose window differs from the delta it applied as a gap (invariant 7)', () => {
    const replica = new CanvasReplica();
    replica.loadCanvas(canvasAt(5, []));
    replica.applyDelta(delta(1, 5, 10, [[2, 3]]));
    replica.applyDelta(delta(2, 10, 20, [[4, 4]]));
    assert.deepEqual(replica.applyDelta(delta(2, 10, 20, [[4, 4]])), { kind: 'none' }, 'the same delta again is a resend');
    // Redis lost delta 2's events; the writer re-issued seq 2 over a different window.
    const action = replica.applyDelta(delta(2, 10, 25, [[6, 1]]));
    assert.equal(action.kind, 'refetch-all');
    assert.equal(replica.loaded, false);
  });

  it('refuses a read older than the position its connection was promised (invariant 6)', () => {
    const replica = new CanvasReplica();
    replica.requireAtLeast(at(30), EPOCH);
    assert.equal(replica.loadCanvas(canvasAt(20, [])).kind, 'refetch-all', 'a cached copy from before the reconnection');
    assert.equal(replica.loaded, false);
    assert.equal(replica.loadChunk(canvasAt(20, []), 0, 0).kind, 'refetch-chunks');
    assert.deepEqual(replica.loadCanvas(canvasAt(30, [[1, 1]])), { kind: 'none' });
    assert.equal(replica.colorAt(1, 0), 1);
  });

  it('drops the promise when the writer history starts a new epoch (its positions no longer compare)', () => {
    const replica = new CanvasReplica();
    replica.requireAtLeast(at(30), EPOCH);
    replica.applyDelta(delta(1, 10, 12, [[1, 1]], EPOCH + 1));
    assert.deepEqual(replica.loadCanvas(canvasAt(12, [[1, 1]])), { kind: 'none' });
  });

  it('drops a promise the stream no longer reaches (a rollback), so reads are accepted again', () => {
    const replica = new CanvasReplica();
    replica.requireAtLeast(at(30), EPOCH);
    assert.equal(replica.loadCanvas(canvasAt(20, [])).kind, 'refetch-all');
    replica.checkSync({ epoch: EPOCH, afterSeq: 3, position: at(20), configVersion: 1, checksums: [] });
    assert.deepEqual(replica.loadCanvas(canvasAt(20, [])), { kind: 'none' });
  });

  it('forgets the previous connection on reset, but buffers what reaches the new one before its read', () => {
    const replica = new CanvasReplica();
    replica.loadCanvas(canvasAt(5, []));
    replica.applyDelta(delta(1, 5, 10, [[2, 3]]));
    replica.reset(); // the connection dropped; deltas 2..4 were missed
    replica.applyDelta(delta(5, 40, 50, [[7, 7]])); // reaches the new socket before its welcome
    replica.requireAtLeast(at(45), EPOCH);
    assert.deepEqual(
      replica.loadCanvas(
        canvasAt(45, [
          [2, 3],
          [3, 3],
        ]),
      ),
      { kind: 'none' },
      'no spurious gap',
    );
    assert.equal(replica.colorAt(7, 0), 7);
    assert.deepEqual(replica.applyDelta(delta(6, 50, 60, [[8, 8]])), { kind: 'none' });
  });

  it('starts over on a sync from a new epoch even when no delta announced it', () => {
    const replica = new CanvasReplica();
    replica.loadCanvas(canvasAt(5, []));
    replica.applyDelta(delta(1, 5, 10, [[2, 3]]));
    const sync = { epoch: EPOCH + 1, afterSeq: 0, position: at(10), configVersion: 1, checksums: [] };
    assert.equal(replica.checkSync(sync).kind, 'refetch-all');
    assert.equal(replica.loaded, false);
  });

  it('replays newer deltas over a re-read chunk', () => {
    const replica = new CanvasReplica();
    replica.loadCanvas(canvasAt(5, []));
    replica.applyDelta(delta(1, 5, 10, [[2, 3]]));
    replica.applyDelta(delta(2, 10, 20, [[7, 7]]));
    // The chunk re-read happened at 15: it has pixel 2 but not yet delta 2's pixel 7.
    assert.deepEqual(
      replica.loadChunk(
        canvasAt(15, [
          [2, 3],
          [9, 1],
        ]),
        0,
        0,
      ),
      { kind: 'none' },
    );
    assert.equal(replica.colorAt(7, 0), 7);
    assert.equal(replica.colorAt(9, 0), 1);
    replica.applyDelta(delta(3, 20, 30, [[9, 2]]));
    assert.equal(replica.colorAt(9, 0), 2);
  });

  it('exports exactly width × height indices', () => {
    const replica = new CanvasReplica();
    replica.loadCanvas({ position: at(1), configVersion: 1, width: 300, height: 2, chunks: [{ cx: 1, cy: 0, bytes: Uint8Array.of(4) }] });
    const out = replica.toIndexArray();
    assert.equal(out.length, 600);
    assert.equal(out[256], 4);
    assert.equal(
      out.reduce((sum, value) => sum + value, 0),
      4,
    );
  });
});

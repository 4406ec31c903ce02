import assert from 'node:assert/strict';
import { CHUNK_SIZE, type CanvasFrame, type HistoryEventsFrame, type HistoryIndex } from '@tessera/protocol';
import { planReplay, replay } from '../src/history/history-replay.js';

const index: HistoryIndex = {
  canvasId: 'main',
  start: 1_000,
  end: 40_000,
  keyframes: [
    { name: 'k1', takenAt: 1_100, position: '1000-0' },
    { name: 'k2', takenAt: 11_100, position: '11000-3' },
    { name: 'k3', takenAt: 21_100, position: '21000-0' },
  ],
  segments: [
    { name: 's1', first: '1000-1', last: '11000-3' },
    { name: 's2', first: '12000-0', last: '21000-0' },
    { name: 's3', first: '25000-0', last: '40000-0' },
  ],
};

describe('planning a history replay', () => {
  it('takes the newest keyframe at or before the time, and the segments after it up to the time', () => {
    const plan = planReplay(index, 15_000);
    assert.equal(plan?.keyframe.name, 'k2');
    assert.deepEqual(
      plan?.segments.map((segment) => segment.name),
      ['s2'],
    );
    assert.deepEqual(
      planReplay(index, 30_000)?.segments.map((segment) => segment.name),
      ['s3'],
    );
  });

  it('has nothing to show before the first keyframe', () => {
    assert.equal(planReplay(index, 999), undefined);
  });

  it('keeps a recent keyframe it already has when scrubbing forward, within the reuse span', () => {
    const plan = planReplay(index, 15_000, index.keyframes[0], 60_000);
    assert.equal(plan?.keyframe.name, 'k1');
    assert.deepEqual(
      plan?.segments.map((segment) => segment.name),
      ['s1', 's2'],
    );
    assert.equal(planReplay(index, 15_000, index.keyframes[0], 5_000)?.keyframe.name, 'k2');
    assert.equal(planReplay(index, 500, index.keyframes[0])?.keyframe.name, undefined);
  });
});

describe('replaying history', () => {
  const keyframe: CanvasFrame = {
    position: { ms: 1_000, seq: 0 },
    configVersion: 1,
    width: 300,
    height: 300,
    chunks: [{ cx: 0, cy: 0, bytes: new Uint8Array([5, 5]) }],
  };
  const segment: HistoryEventsFrame = {
    after: { ms: 900, seq: 0 },
    until: { ms: 3_000, seq: 0 },
    gap: false,
    events: [
      { position: { ms: 1_000, seq: 0 }, x: 0, y: 0, color: 9 }, // already in the keyframe
      { position: { ms: 1_500, seq: 0 }, x: 1, y: 0, color: 7 },
      { position: { ms: 2_000, seq: 0 }, x: 299, y: 299, color: 4 }, // in a chunk the keyframe lacks
      { position: { ms: 2_000, seq: 1 }, x: 300, y: 0, color: 4 }, // outside the keyframe's size
      { position: { ms: 2_500, seq: 0 }, x: 1, y: 0, color: 8 },
    ],
  };
  const at = (frame: CanvasFrame, x: number, y: number) => {
    const chunk = frame.chunks.find((c) => c.cx === Math.floor(x / CHUNK_SIZE) && c.cy === Math.floor(y / CHUNK_SIZE));
    return chunk?.bytes[(y % CHUNK_SIZE) * CHUNK_SIZE + (x % CHUNK_SIZE)] ?? 0;
  };

  it('applies the placements after the keyframe up to the time, inclusive, in order', () => {
    const canvas = replay(keyframe, [segment], 2_000);
    assert.equal(at(canvas, 0, 0), 5, 'a placement inside the keyframe is not applied twice');
    assert.equal(at(canvas, 1, 0), 7);
    assert.equal(at(canvas, 299, 299), 4);
    assert.deepEqual(canvas.position, { ms: 2_000, seq: 0 });
    assert.equal(at(replay(keyframe, [segment], 2_499), 1, 0), 7);
    assert.equal(at(replay(keyframe, [segment], 2_500), 1, 0), 8);
  });

  it('does not touch the keyframe it starts from', () => {
    replay(keyframe, [segment], 3_000);
    assert.deepEqual([...keyframe.chunks[0]!.bytes], [5, 5]);
  });
});

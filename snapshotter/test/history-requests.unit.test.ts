import assert from 'node:assert/strict';
import { checkHistoryRequest } from '../src/history-job-validation.js';
import { createRowBuilder } from '../src/placement-dataset.js';

const CANVAS = { width: 1000, height: 800 };
const HOUR = 3_600_000;
const timelapse = { kind: 'timelapse', from: 1_000, to: 1_000 + HOUR, region: { x: 0, y: 0, width: 100, height: 100 }, durationSeconds: 10, fps: 30, scale: 4 };

function code(input: unknown): string {
  const checked = checkHistoryRequest(input, CANVAS);
  return checked.ok ? 'ok' : checked.code;
}

describe('checking a history job request', function () {
  it('accepts a timelapse, a heatmap of the whole canvas and a dataset', function () {
    assert.equal(code(timelapse), 'ok');
    const heatmap = checkHistoryRequest({ kind: 'heatmap', from: 0, to: HOUR }, CANVAS);
    assert.ok(heatmap.ok && 'region' in heatmap.request && heatmap.request.region.width === 1000);
    const dataset = checkHistoryRequest({ kind: 'dataset', from: 0, to: HOUR }, CANVAS);
    assert.ok(dataset.ok && 'format' in dataset.request && dataset.request.format === 'parquet');
  });

  it('refuses malformed requests and unknown kinds', function () {
    for (const input of [null, 'timelapse', [], { kind: 'movie', from: 0, to: 1 }, { ...timelapse, kind: 7 }]) assert.equal(code(input), 'INVALID_REQUEST');
    assert.equal(code({ kind: 'dataset', from: 0, to: 1, format: 'xlsx' }), 'INVALID_REQUEST');
  });

  it('refuses reversed, empty, fractional, negative and non-numeric ranges, and ranges over 31 days', function () {
    for (const [from, to] of [
      [10, 5],
      [5, 5],
      [0.5, 10],
      [-1, 10],
      ['0', 10],
      [0, Number.NaN],
      [0, 1e300],
    ]) {
      assert.equal(code({ ...timelapse, from, to }), 'INVALID_RANGE', `${String(from)} → ${String(to)}`);
    }
    assert.equal(code({ ...timelapse, from: 0, to: 32 * 86_400_000 }), 'RANGE_TOO_LONG');
  });

  it('refuses regions outside the canvas or of no size', function () {
    for (const region of [
      { x: 990, y: 0, width: 20, height: 10 },
      { x: 0, y: 0, width: 0, height: 10 },
      { x: -1, y: 0, width: 5, height: 5 },
      { x: 0, y: 0, width: 5.5, height: 5 },
      'all',
      null,
    ]) {
      assert.equal(code({ ...timelapse, region }), 'REGION_OUT_OF_BOUNDS', JSON.stringify(region));
    }
  });

  it('refuses absurd fps, durations, scales and qualities', function () {
    for (const change of [
      { fps: 0 },
      { fps: 61 },
      { fps: 29.97 },
      { durationSeconds: 0 },
      { durationSeconds: 601 },
      { durationSeconds: Infinity },
      { scale: 0 },
      { scale: 17 },
      { scale: 1.5 },
      { quality: 'best' },
    ]) {
      assert.equal(code({ ...timelapse, ...change }), 'INVALID_TIMELAPSE', JSON.stringify(change));
    }
  });

  it('caps the frames (duration × fps) and the frame size (region × scale)', function () {
    assert.equal(code({ ...timelapse, durationSeconds: 600, fps: 60 }), 'TOO_MANY_FRAMES');
    assert.equal(code({ ...timelapse, region: { x: 0, y: 0, width: 1000, height: 800 }, scale: 9 }), 'FRAME_TOO_LARGE');
    assert.equal(code({ ...timelapse, region: { x: 0, y: 0, width: 1000, height: 800 }, scale: 8 }), 'FRAME_TOO_LARGE');
  });
});

describe('dataset rows', function () {
  const at = (ms: number) => ({ ms, seq: 0 });
  const admin = (x: number, y: number, ms = 5) => ({ position: at(ms), x, y, color: 2, userId: 'admin:bob' });

  it('turns a rollback filling a rectangle into one rectangle row and keeps player placements as pixels', function () {
    const builder = createRowBuilder({ salt: 's', palette: ['#ffffff', '#000000', '#ff0000'] });
    const rows = [
      ...builder.push({ position: at(1), x: 9, y: 9, color: 1, userId: 'player' }),
      ...[0, 1, 2].flatMap((y) => [4, 5, 6].flatMap((x) => builder.push(admin(x, y)))),
      ...builder.push({ position: at(7), x: 1, y: 1, color: 1, userId: 'player' }),
      ...builder.flush(),
    ];
    assert.deepEqual(
      rows.map((row) => [row.x, row.y, row.x2, row.y2, row.colorHex]),
      [
        [9, 9, undefined, undefined, '#000000'],
        [4, 0, 6, 2, '#ff0000'],
        [1, 1, undefined, undefined, '#000000'],
      ],
    );
  });

  it('splits a rollback with holes into rectangles that cover exactly the changed pixels', function () {
    const builder = createRowBuilder({ salt: 's', palette: ['#ffffff', '#000000', '#ff0000'] });
    // Row 0: 4..6; row 1: 4 and 6 (5 already had the colour); row 2: 4..6.
    const pixels = [
      [4, 0],
      [5, 0],
      [6, 0],
      [4, 1],
      [6, 1],
      [4, 2],
      [5, 2],
      [6, 2],
    ] as const;
    const rows = [...pixels.flatMap(([x, y]) => builder.push(admin(x, y))), ...builder.flush()];
    const covered = rows.flatMap((row) => {
      const cells: string[] = [];
      for (let y = row.y; y <= row.y2!; y++) for (let x = row.x; x <= row.x2!; x++) cells.push(`${x},${y}`);
      return cells;
    });
    assert.deepEqual(covered.sort(), pixels.map(([x, y]) => `${x},${y}`).sort());
  });
});

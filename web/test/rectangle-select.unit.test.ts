import assert from 'node:assert/strict';
import { rectBetween } from '../src/admin/rectangle-select.js';

describe('the rectangle between two points of a drag', () => {
  const board = { width: 300, height: 200 };

  it('includes both end pixels, whichever way the drag went', () => {
    assert.deepEqual(rectBetween({ x: 10.2, y: 5.9 }, { x: 12.7, y: 6.1 }, board), { x: 10, y: 5, width: 3, height: 2 });
    assert.deepEqual(rectBetween({ x: 12.7, y: 6.1 }, { x: 10.2, y: 5.9 }, board), { x: 10, y: 5, width: 3, height: 2 });
  });

  it('is one pixel for a press that did not move', () => {
    assert.deepEqual(rectBetween({ x: 3.5, y: 4.5 }, { x: 3.5, y: 4.5 }, board), { x: 3, y: 4, width: 1, height: 1 });
  });

  it('is clamped to the board for a drag that leaves it on any side', () => {
    assert.deepEqual(rectBetween({ x: -40, y: -3 }, { x: 5000, y: 1e9 }, board), { x: 0, y: 0, width: 300, height: 200 });
    assert.deepEqual(rectBetween({ x: 298.5, y: 10 }, { x: 420, y: -20 }, board), { x: 298, y: 0, width: 2, height: 11 });
  });

  it('is nothing on an empty board', () => {
    assert.equal(rectBetween({ x: 0, y: 0 }, { x: 1, y: 1 }, { width: 0, height: 0 }), undefined);
  });
});

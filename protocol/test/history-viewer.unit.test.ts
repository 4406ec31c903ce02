import assert from 'node:assert/strict';
import {
  LIMITS,
  decodeHistoryEvents,
  encodeHistoryEvents,
  FrameKind,
  historyViewerOpen,
  isHistoryViewerMode,
  MAX_HISTORY_FRAME_EVENTS,
  type HistoryEventsFrame,
} from '../src/index.js';

const T = 1_796_000_000_000;
const frame: HistoryEventsFrame = {
  after: { ms: 0, seq: 0 },
  until: { ms: T + 5_000, seq: 2 },
  gap: true,
  events: [
    { position: { ms: T, seq: 0 }, x: 0, y: 0, color: 3 },
    { position: { ms: T, seq: 1 }, x: 299, y: 17, color: 31 },
    { position: { ms: T + 5_000, seq: 2 }, x: LIMITS.maxCanvasSide - 1, y: 4, color: 255 },
  ],
};

describe('the history events frame', () => {
  it('round-trips placements, the window and the gap flag, from a 0-0 start', () => {
    const decoded = decodeHistoryEvents(encodeHistoryEvents(frame));
    assert.ok(decoded.ok);
    assert.deepEqual(decoded.value, frame);
  });

  it('takes about 7 bytes a placement', () => {
    const many = Array.from({ length: 1_000 }, (_, i) => ({ position: { ms: T + Math.floor(i / 3), seq: i % 3 }, x: i % 2_000, y: i % 1_000, color: i % 32 }));
    const bytes = encodeHistoryEvents({ after: { ms: T - 1, seq: 0 }, until: many.at(-1)!.position, gap: false, events: many });
    assert.ok(bytes.length <= 32 + many.length * 7, `${bytes.length} bytes`);
    const decoded = decodeHistoryEvents(bytes);
    assert.ok(decoded.ok);
    assert.deepEqual(decoded.value.events, many);
  });

  it('round-trips an empty frame', () => {
    const empty = { after: { ms: T, seq: 0 }, until: { ms: T, seq: 0 }, gap: false, events: [] };
    const decoded = decodeHistoryEvents(encodeHistoryEvents(empty));
    assert.ok(decoded.ok);
    assert.deepEqual(decoded.value, empty);
  });

  it('refuses truncated, foreign, out-of-order and oversized frames with a reason', () => {
    const bytes = encodeHistoryEvents(frame);
    const cases: [string, Uint8Array][] = [
      ['truncated', bytes.subarray(0, bytes.length - 1)],
      ['empty', new Uint8Array(0)],
      ['trailing bytes', new Uint8Array([...bytes, 0])],
      ['another kind', Uint8Array.from(bytes, (value, i) => (i === 0 ? FrameKind.Canvas : value))],
      ['a newer version', Uint8Array.from(bytes, (value, i) => (i === 1 ? 9 : value))],
    ];
    const swapped = new Uint8Array(bytes);
    // Events start at 32 (header 4, window 24, count 4); the first takes 12 bytes (a 6-byte time
    // step from 0-0, seq, x, y, colour), so the second's sequence (1) is at 44 + 1: make it 0.
    assert.equal(swapped[45], 1);
    swapped[45] = 0;
    cases.push(['out of order', swapped]);
    const huge = new Uint8Array(bytes);
    new DataView(huge.buffer).setUint32(28, MAX_HISTORY_FRAME_EVENTS + 1, true); // the count, after header and window
    cases.push(['too many events', huge]);
    for (const [what, input] of cases) {
      const decoded = decodeHistoryEvents(input);
      assert.equal(decoded.ok, false, what);
      if (!decoded.ok) assert.ok(decoded.error.message.length > 0, what);
    }
  });

  it('refuses to encode an event outside its window or too many events', () => {
    assert.throws(() => encodeHistoryEvents({ ...frame, events: [...frame.events, { position: { ms: T + 5_001, seq: 0 }, x: 0, y: 0, color: 0 }] }));
    assert.throws(() => encodeHistoryEvents({ ...frame, events: new Array(MAX_HISTORY_FRAME_EVENTS + 1).fill(frame.events[0]) }));
    assert.throws(() => encodeHistoryEvents({ ...frame, events: [frame.events[1]!, frame.events[0]!] }));
  });
});

describe('the history viewer switch', () => {
  it('opens on, while-paused only while paused, and nothing else', () => {
    assert.equal(historyViewerOpen({ paused: false, historyViewer: 'on' }), true);
    assert.equal(historyViewerOpen({ paused: true, historyViewer: 'on' }), true);
    assert.equal(historyViewerOpen({ paused: true, historyViewer: 'while-paused' }), true);
    assert.equal(historyViewerOpen({ paused: false, historyViewer: 'while-paused' }), false);
    assert.equal(historyViewerOpen({ paused: true, historyViewer: 'off' }), false);
    assert.equal(historyViewerOpen({ paused: true }), false, 'absent means off');
    assert.equal(isHistoryViewerMode('sometimes'), false);
    assert.equal(isHistoryViewerMode(undefined), false);
  });
});

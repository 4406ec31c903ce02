import assert from 'node:assert/strict';
import type { PlacePayload, StreamPosition } from '@tessera/protocol';
import type { PlaceOutcome } from '../src/connection.js';
import { describeError } from '../src/messages.js';
import { createPlacement } from '../src/placement.js';

/** The place flow with a scripted server answer and a replica position the test moves by hand. */
function flow(answer: PlaceOutcome) {
  let through: StreamPosition = { ms: 1_000, seq: 0 };
  const notes: { text: string; kind: string | undefined }[] = [];
  let answered!: () => void;
  const done = new Promise<void>((resolve) => (answered = resolve));
  const placement = createPlacement({
    place: (_payload: PlacePayload) => {
      setTimeout(answered, 0);
      return Promise.resolve(answer);
    },
    isLive: () => true,
    isPaused: () => false,
    boardSize: () => ({ width: 100, height: 100 }),
    selectedColor: () => 3,
    appliedThrough: () => through,
    cooldown: { remainingMs: () => 0, setUntil: () => undefined },
    notify: (text, kind) => notes.push({ text, kind }),
    redraw: () => undefined,
  });
  return {
    placement,
    notes,
    done,
    /** A delta applied: the replica moves on. */
    advance() {
      through = { ms: through.ms + 500, seq: 0 };
      placement.onApplied();
    },
    pendingCount: () => [...placement.pending()].length,
  };
}

describe('the place flow in the browser', () => {
  it('keeps a pixel whose outcome is unknown until a delta built after the answer arrives, and says so neutrally', async () => {
    const test = flow({ ok: false, error: 'OUTCOME_UNKNOWN' });
    test.placement.placeAt(5, 6);
    await test.done;
    assert.equal(test.pendingCount(), 1, 'still drawn: it may have landed');
    assert.deepEqual(test.notes, [{ text: describeError('OUTCOME_UNKNOWN'), kind: 'info' }]);
    assert.doesNotMatch(test.notes[0]!.text, /try again|failed|error/i, 'never invites a second placement');
    test.placement.onApplied(); // a redraw without progress tells nothing
    test.advance(); // may have been built before the placement ran
    assert.equal(test.pendingCount(), 1);
    test.advance(); // built after: the replica now holds the truth
    assert.equal(test.pendingCount(), 0);
  });

  it('treats a placement the server never answered the same way', async () => {
    const test = flow({ ok: false, error: 'NO_ANSWER' });
    test.placement.placeAt(1, 1);
    await test.done;
    assert.equal(test.pendingCount(), 1);
    assert.equal(test.notes[0]!.kind, 'info');
  });

  it('drops a refused pixel at once and says why', async () => {
    const test = flow({ ok: false, error: 'CANVAS_UNAVAILABLE' });
    test.placement.placeAt(5, 6);
    await test.done;
    assert.equal(test.pendingCount(), 0);
    assert.deepEqual(test.notes, [{ text: describeError('CANVAS_UNAVAILABLE'), kind: 'error' }]);
  });
});

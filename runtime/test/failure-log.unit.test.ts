import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { waitFor } from '../../test-support/index.js';
import { createFailureLog } from '../src/failure-log.js';

/** A real pino logger whose JSON lines land in an array. */
function capturedLog(): { log: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level: 'info' }, sink), lines };
}

describe('logging repeated failures', () => {
  it('turns 1,000 failures into one line that carries the count', async () => {
    const { log, lines } = capturedLog();
    const failures = createFailureLog({ log, message: 'placement failed', intervalMs: 200 });
    for (let i = 0; i < 1_000; i++) failures.failed('CANVAS_UNAVAILABLE', new Error(i === 999 ? 'last' : 'Connection is closed.'));
    assert.equal(lines.length, 0, 'nothing is written while the window is open');
    await waitFor(() => lines.length > 0, { timeoutMs: 5_000, message: 'the window to close' });
    assert.equal(lines.length, 1);
    const [line] = lines;
    assert.equal(line!.msg, 'placement failed');
    assert.equal(line!.key, 'CANVAS_UNAVAILABLE');
    assert.equal(line!.count, 1_000);
    assert.equal((line!.err as { message: string }).message, 'Connection is closed.');
    assert.equal(line!.lastErr, 'last');
  });

  it('counts each key apart and opens a new window after one closes', async () => {
    const { log, lines } = capturedLog();
    const failures = createFailureLog({ log, message: 'writer step failed', intervalMs: 100, keyField: 'stage' });
    for (let i = 0; i < 3; i++) failures.failed('read', new Error('down'));
    failures.failed('broadcast', 'not an Error');
    await waitFor(() => lines.length === 2, { timeoutMs: 5_000, message: 'one line per stage' });
    assert.deepEqual(lines.map((line) => [line.stage, line.count]).sort(), [
      ['broadcast', 1],
      ['read', 3],
    ]);
    failures.failed('read', new Error('still down'));
    await waitFor(() => lines.length === 3, { timeoutMs: 5_000, message: 'a line for the next window' });
    assert.equal(lines[2]!.count, 1);
    assert.equal(lines[2]!.lastErr, undefined, 'one failure has no separate last error');
  });

  it('writes open windows at once on flush, so a stopping process loses no count', () => {
    const { log, lines } = capturedLog();
    const failures = createFailureLog({ log, message: 'x', intervalMs: 60_000 });
    failures.failed('a', new Error('e'));
    failures.failed('a', new Error('e'));
    failures.flush();
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!.count, 2);
    failures.flush();
    assert.equal(lines.length, 1, 'a flushed window is not written twice');
  });
});

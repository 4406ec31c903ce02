// The event's numbers as the writer counts them from the batches it reads: they must match a
// scripted load exactly, and stay exact across a takeover, a replayed window and a Redis rollback.
import assert from 'node:assert/strict';
import { canvasKeys, parsePosition } from '@tessera/protocol';
import {
  acquireWriterLease,
  commitWriterState,
  lastEventPosition,
  paintRegion,
  readEventPage,
  readEventStats,
  readWriterState,
  recordEventStats,
  releaseWriterLease,
  foldStatsBatch,
  type PixelPlacer,
} from '@tessera/store';
import { Redis } from 'ioredis';
import { useRedis, waitFor } from '../../test-support/index.js';
import { Counter } from 'prom-client';
import { createEventStatsRecorder } from '../src/event-stats.js';
import { createTestCanvas, freshCanvasId, startWriter, testLog, type TestWriter } from './support/harness.js';

/** What a scripted load should produce, computed from the stream ids the placements were given. */
class Expected {
  readonly users = new Set<string>();
  readonly signedIn = new Set<string>();
  readonly perMinute = new Map<number, number>();
  readonly perSecond = new Map<number, number>();
  placements = 0;

  add(userId: string, eventId: string): void {
    const ms = parsePosition(eventId)!.ms;
    this.placements++;
    this.users.add(userId);
    if (userId.startsWith('a_')) this.signedIn.add(userId);
    this.perMinute.set(ms - (ms % 60_000), (this.perMinute.get(ms - (ms % 60_000)) ?? 0) + 1);
    this.perSecond.set(ms - (ms % 1000), (this.perSecond.get(ms - (ms % 1000)) ?? 0) + 1);
  }

  get peakPerSecond(): number {
    return Math.max(0, ...this.perSecond.values());
  }
}

async function place(placer: PixelPlacer, expected: Expected, userId: string, x: number, y: number): Promise<void> {
  const outcome = await placer.place({ x, y, color: 1 + (x % 7), userId, ip: '127.0.0.1', applyIpCooldown: false });
  if (!outcome.ok) throw new Error(`placement refused: ${outcome.error}`);
  expected.add(userId, outcome.eventId);
}

async function assertMatches(redis: Redis, canvasId: string, expected: Expected): Promise<void> {
  const stats = await waitFor(
    async () => {
      const read = await readEventStats(redis, canvasId);
      return read.placements >= expected.placements ? read : undefined;
    },
    { timeoutMs: 15_000, message: `${expected.placements} placements counted` },
  );
  assert.equal(stats.placements, expected.placements);
  assert.equal(stats.uniqueUsers, expected.users.size);
  assert.equal(stats.signedInUsers, expected.signedIn.size);
  assert.equal(stats.peakPlacementsPerSecond.value, expected.peakPerSecond);
  assert.deepEqual(
    stats.perMinute.filter((minute) => minute.placements > 0).map((minute) => [minute.minute, minute.placements]),
    [...expected.perMinute].sort(([a], [b]) => a - b),
  );
}

describe('the event stats the writer counts', function () {
  this.timeout(60_000);
  const server = useRedis();
  let redis: Redis;
  const cleanups: (() => Promise<void>)[] = [];

  before(() => {
    redis = new Redis(server.url);
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  after(() => redis.disconnect());

  async function writerFor(canvasId: string): Promise<TestWriter> {
    const writer = await startWriter(server.url, { canvasId });
    cleanups.push(() => writer.close());
    return writer;
  }

  it('match a scripted load: users, signed-in users, placements per minute and the peak per second', async () => {
    const canvasId = freshCanvasId();
    const placer = await createTestCanvas(redis, canvasId);
    await writerFor(canvasId);
    const expected = new Expected();
    const users = ['g_guestguestguest01', 'g_guestguestguest02', 'g_guestguestguest03', 'a_alice', 'a_bob'];
    // A burst (most of it in one second), then a trickle over a few ticks.
    await Promise.all(Array.from({ length: 40 }, (_, i) => place(placer, expected, users[i % users.length]!, i, 0)));
    for (let i = 0; i < 10; i++) {
      await place(placer, expected, users[i % 2]!, i, 1);
      await new Promise((resolve) => setImmediate(resolve));
    }
    // An admin rollback writes events too: they are not placements.
    await paintRegion(
      redis,
      canvasId,
      { x: 0, y: 0, width: 4, height: 1 },
      { fill: 0 },
      { userId: 'admin:ops', streamMaxLength: 100_000, refuseWhileRemapping: false },
    );
    await place(placer, expected, 'a_carol', 5, 5);
    await assertMatches(redis, canvasId, expected);
    assert.equal(expected.users.size, 6);
    assert.equal(expected.signedIn.size, 3);
  });

  it('skip malformed stream entries without losing their neighbours', async () => {
    const canvasId = freshCanvasId();
    const placer = await createTestCanvas(redis, canvasId);
    await writerFor(canvasId);
    const expected = new Expected();
    await place(placer, expected, 'g_guestguestguest01', 1, 1);
    // Something other than Tessera wrote these: no coordinates, garbage values.
    await redis.xadd(canvasKeys(canvasId).events, '*', 'junk', 'yes');
    await redis.xadd(canvasKeys(canvasId).events, '*', 'x', 'NaN', 'y', '-1', 'c', '999', 'u', 'g_forger');
    await place(placer, expected, 'g_guestguestguest02', 2, 2);
    await assertMatches(redis, canvasId, expected);
    await waitFor(async () => (await readEventStats(redis, canvasId)).countedThrough === (await lastEventId(redis, canvasId)), {
      message: 'the cursor past the junk',
    });
  });

  it('count the window of a leader that died between its delta and its stats, once, when the standby takes over', async () => {
    const canvasId = freshCanvasId();
    const placer = await createTestCanvas(redis, canvasId);
    const first = await writerFor(canvasId);
    const expected = new Expected();
    for (let i = 0; i < 20; i++) await place(placer, expected, `g_firstfirstfirst${i % 4}`, i, 3);
    await assertMatches(redis, canvasId, expected);
    await first.close();

    // A leader commits a delta over 15 more events and dies before it counts them.
    for (let i = 0; i < 15; i++) await place(placer, expected, `a_later${i % 3}`, i, 4);
    const dead = 'dead-writer';
    assert.ok(await acquireWriterLease(redis, canvasId, dead, 60_000));
    const stored = await readWriterState(redis, canvasId);
    const state = stored.state!;
    const outcome = await commitWriterState(redis, canvasId, dead, stored.fence, {
      ...state,
      seq: state.seq + 1,
      cursor: await lastEventPosition(redis, canvasId),
    });
    assert.equal(outcome, 'committed');
    assert.equal((await readEventStats(redis, canvasId)).placements, 20, 'the dead leader counted nothing');
    await releaseWriterLease(redis, canvasId, dead);

    const standby = await writerFor(canvasId);
    await waitFor(() => standby.writer.isLeader, { message: 'the standby to lead' });
    await assertMatches(redis, canvasId, expected);
    for (let i = 0; i < 5; i++) await place(placer, expected, 'a_later0', i, 5);
    await assertMatches(redis, canvasId, expected);
  });

  it('never count a window twice when a writer reads it again (a state set back, a lost leader finishing late)', async () => {
    const canvasId = freshCanvasId();
    const placer = await createTestCanvas(redis, canvasId);
    const first = await writerFor(canvasId);
    const expected = new Expected();
    await place(placer, expected, 'g_guestguestguest01', 0, 0);
    await assertMatches(redis, canvasId, expected);
    const early = (await readWriterState(redis, canvasId)).state!.cursor;
    for (let i = 0; i < 12; i++) await place(placer, expected, `g_guestguestguest0${i % 3}`, i, 6);
    await assertMatches(redis, canvasId, expected);
    await first.close();

    // The stored cursor set back: the next leader re-reads (early, end] and must add nothing.
    const writerId = 'rewinder';
    assert.ok(await acquireWriterLease(redis, canvasId, writerId, 60_000));
    const stored = await readWriterState(redis, canvasId);
    assert.equal(
      await commitWriterState(redis, canvasId, writerId, stored.fence, { ...stored.state!, seq: stored.state!.seq + 1, cursor: early }),
      'committed',
    );
    await releaseWriterLease(redis, canvasId, writerId);
    const second = await writerFor(canvasId);
    await waitFor(
      async () => second.writer.state && (await readWriterState(redis, canvasId)).state!.cursor.ms >= (await lastEventPosition(redis, canvasId)).ms,
      {
        message: 'the writer past the re-read window',
      },
    );
    // A leader that lost its lead replays the same window late: refused as counted.
    const replay = await recordEventStats(
      redis,
      canvasId,
      early,
      await lastEventPosition(redis, canvasId),
      foldStatsBatch([{ position: early, userId: 'g_x' }]),
    );
    assert.equal(replay.kind, 'already-counted');
    await place(placer, expected, 'a_new', 9, 9);
    await assertMatches(redis, canvasId, expected);
  });

  it('count a batch that arrives while another is being counted from the stream instead, once', async () => {
    const canvasId = freshCanvasId();
    const placer = await createTestCanvas(redis, canvasId);
    const expected = new Expected();
    for (let i = 0; i < 30; i++) await place(placer, expected, `g_guestguestguest${i % 5}`, i, 2);
    const { events } = await readEventPage(redis, canvasId, { ms: 0, seq: 0 }, 100);
    const errors: unknown[] = [];
    const recorder = createEventStatsRecorder({
      redis,
      canvasId,
      log: testLog,
      gaps: new Counter({ name: 'gaps', help: 'gaps', registers: [] }),
      onError: (error) => errors.push(error),
    });
    // Three windows handed over back to back, as three ticks would: the second and third arrive
    // while the first is counted, so only their end is kept and read from the stream.
    const cut = [0, 10, 20, 30].map((index) => (index === 0 ? { ms: 0, seq: 0 } : events[index - 1]!.position));
    for (let w = 0; w < 3; w++) recorder.record(events.slice(w * 10, w * 10 + 10), cut[w]!, cut[w + 1]!);
    recorder.record(events.slice(10, 20), cut[1]!, cut[2]!); // a window handed over twice
    await recorder.settled();
    assert.deepEqual(errors, []);
    await assertMatches(redis, canvasId, expected);
    assert.equal((await readEventStats(redis, canvasId)).countedThrough, `${cut[3]!.ms}-${cut[3]!.seq}`);
  });

  it('agree with the stream after Redis comes back behind (a lagging replica, an older AOF)', async () => {
    const canvasId = freshCanvasId();
    const placer = await createTestCanvas(redis, canvasId);
    const writer = await writerFor(canvasId);
    const expected = new Expected();
    for (let i = 0; i < 10; i++) await place(placer, expected, `g_guestguestguest0${i % 2}`, i, 7);
    await assertMatches(redis, canvasId, expected);
    const keys = await redis.keys(`${canvasKeys(canvasId).prefix}*`);
    const dumps = await Promise.all(keys.map(async (key) => [key, await redis.dumpBuffer(key)] as const));
    const atCopy = new Expected();
    Object.assign(atCopy, { placements: expected.placements });
    for (let i = 0; i < 10; i++) await place(placer, expected, 'a_lost', i, 8);
    await assertMatches(redis, canvasId, expected);
    const epochs: string[] = [];
    writer.writer.on('epoch', ({ reason }) => epochs.push(reason));

    const multi = redis.multi();
    for (const key of await redis.keys(`${canvasKeys(canvasId).prefix}*`)) multi.del(key);
    for (const [key, dump] of dumps) if (dump) multi.restore(key, 0, dump, 'REPLACE');
    await multi.exec();
    await waitFor(() => epochs.length > 0, { message: 'a new epoch' });

    // The lost placements are gone from the stream and from the stats alike.
    const stats = await readEventStats(redis, canvasId);
    assert.equal(stats.placements, 10);
    assert.equal(stats.signedInUsers, 0);
    for (let i = 0; i < 3; i++) await placer.place({ x: i, y: 9, color: 1, userId: 'a_after', ip: '127.0.0.1', applyIpCooldown: false });
    await waitFor(async () => (await readEventStats(redis, canvasId)).placements === 13, { timeoutMs: 15_000, message: '13 placements counted' });
    assert.equal(await redis.xlen(canvasKeys(canvasId).events), 13);
    assert.equal((await readEventStats(redis, canvasId)).signedInUsers, 1);
  });
});

async function lastEventId(redis: Redis, canvasId: string): Promise<string> {
  const position = await lastEventPosition(redis, canvasId);
  return `${position.ms}-${position.seq}`;
}

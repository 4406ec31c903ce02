import assert from 'node:assert/strict';
import { canvasKeys, encodeDelta } from '@tessera/protocol';
import {
  acquireWriterLease,
  commitWriterState,
  fenceOf,
  readEventPage,
  readWriterState,
  releaseWriterLease,
  scriptOf,
  writerLeaseHolder,
} from '@tessera/store';
import { waitFor } from '../../test-support/index.js';
import { coalesce } from '../src/coalescer.js';
import {
  canvasInRedis,
  chainProblems,
  createTestCanvas,
  freshCanvasId,
  placeRandom,
  type TestWriter,
  useWriterSuite,
  waitForTicks,
  waitUntilCaughtUp,
} from './support/harness.js';

const LOCK_TTL_MS = 1_000;

describe('writer leadership', function () {
  this.timeout(15_000);
  const suite = useWriterSuite();
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);

  before(() => process.on('unhandledRejection', onUnhandled));
  after(() => process.off('unhandledRejection', onUnhandled));
  // After the suite's own afterEach: what the test started is stopped by then.
  afterEach(() => {
    assert.deepEqual(unhandled.splice(0), [], 'no unhandled rejections');
  });

  async function setUp(writerCount: number) {
    const canvasId = freshCanvasId();
    const placer = await createTestCanvas(suite.redis, canvasId);
    const relay = await suite.relay(canvasId);
    const writers: TestWriter[] = [];
    for (let i = 0; i < writerCount; i++) {
      const writer = await suite.writer({ canvasId, lockTtlMs: LOCK_TTL_MS, writerId: `writer-${i}` });
      writers.push(writer);
    }
    const leader = await waitFor(() => writers.find((w) => w.writer.isLeader && w.writer.state), { message: 'a leader' });
    const player = await suite.join(relay, canvasId);
    return { canvasId, placer, relay, writers, leader, player };
  }

  const leaders = (writers: TestWriter[]): TestWriter[] => writers.filter((w) => w.writer.isLeader);

  it('lets exactly one of several writers lead', async () => {
    const { canvasId, writers, leader } = await setUp(3);
    // Every standby tries for the lock at each of its ticks, which run as often as the leader's.
    for (let i = 0; i < 10; i++) {
      assert.deepEqual(leaders(writers), [leader]);
      await waitForTicks(leader, 1);
    }
    assert.equal(await writerLeaseHolder(suite.redis, canvasId), leader.config.writerId);
    const gauges = await Promise.all(writers.map(async (w) => (await w.metrics.isLeader.get()).values[0]?.value));
    assert.deepEqual(gauges.sort(), [0, 0, 1]);
  });

  it('hands over at once when the leader stops, keeping the sequence contiguous', async () => {
    const { canvasId, placer, writers, leader, player } = await setUp(2);
    const standby = writers.find((w) => w !== leader)!;
    const placing = placeRandom(placer, { count: 600, width: 600, height: 300, perBurst: 20, pauseMs: 20 });
    await waitFor(() => player.deltas.length >= 1, { timeoutMs: 10_000, message: 'deltas flowing before the leader stops' });
    const stoppedAt = Date.now();
    await leader.close();
    await waitFor(() => standby.writer.isLeader && standby.writer.state, { timeoutMs: LOCK_TTL_MS, message: 'the standby to lead' });
    assert.ok(Date.now() - stoppedAt < LOCK_TTL_MS, 'a released lock is taken without waiting for its TTL');
    await placing;
    await waitUntilCaughtUp(player, suite.redis, canvasId);
    assert.deepEqual(chainProblems(player.deltas), []);
    assert.equal(new Set(player.deltas.map((d) => d.epoch)).size, 1, 'one epoch throughout');
    assert.deepEqual(player.actions, []);
    assert.ok(Buffer.from(player.replica.toIndexArray()).equals(Buffer.from(await canvasInRedis(suite.redis, canvasId))));
  });

  it('is replaced within the lock TTL when it loses Redis, and survives the outage', async () => {
    const { canvasId, placer, writers, leader, player } = await setUp(2);
    const standby = writers.find((w) => w !== leader)!;
    const errors: string[] = [];
    leader.writer.on('error', (_error, stage) => errors.push(stage));
    await placeRandom(placer, { count: 100, width: 600, height: 300 });
    // The leader's connections drop (a network partition): it can neither renew nor commit.
    leader.redis.disconnect();
    leader.emitterRedis.disconnect();
    const cutAt = Date.now();
    await placeRandom(placer, { count: 100, width: 600, height: 300 });
    await waitFor(() => standby.writer.isLeader && standby.writer.state, { timeoutMs: LOCK_TTL_MS + 1_000, message: 'the standby to lead' });
    assert.ok(Date.now() - cutAt <= LOCK_TTL_MS + 500, `takeover took ${Date.now() - cutAt} ms`);
    await waitFor(() => !leader.writer.isLeader, { timeoutMs: LOCK_TTL_MS, message: 'the cut-off leader to step down' });
    // The partition heals: the old leader stays a standby.
    await Promise.all([leader.redis.connect(), leader.emitterRedis.connect()]);
    // The old leader tries for the lock at each of its ticks, which run as often as the new leader's.
    await waitForTicks(standby, 3);
    assert.deepEqual(leaders(writers), [standby]);
    await placeRandom(placer, { count: 100, width: 600, height: 300 });
    await waitUntilCaughtUp(player, suite.redis, canvasId);
    assert.deepEqual(chainProblems(player.deltas), []);
    assert.ok(Buffer.from(player.replica.toIndexArray()).equals(Buffer.from(await canvasInRedis(suite.redis, canvasId))));
    assert.ok(errors.length > 0, 'the cut-off leader reported its failures');
  });

  /** Waits until writers have asked for the lock `count` more times (acquire-lease calls, seen through MONITOR). */
  async function standbyAttempts(count: number): Promise<void> {
    const acquire = scriptOf('tesseraAcquireLease').sha;
    const monitor = await suite.redis.monitor();
    let attempts = 0;
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (args[0]?.toLowerCase() === 'evalsha' && args[1] === acquire) attempts++;
    });
    try {
      await waitFor(() => attempts >= count, { timeoutMs: 10_000, message: `${count} tries at the lock` });
    } finally {
      monitor.disconnect();
    }
  }

  it('stops committing when another holder has the lock', async () => {
    const { canvasId, placer, leader, player } = await setUp(1);
    await placeRandom(placer, { count: 50, width: 600, height: 300 });
    await waitUntilCaughtUp(player, suite.redis, canvasId);
    const before = (await readWriterState(suite.redis, canvasId)).state!;
    const deltas = player.deltas.length;
    // The lock expired during a pause and someone else took it.
    await suite.redis.set(canvasKeys(canvasId).writerLock, 'intruder', 'PX', 60_000);
    await placeRandom(placer, { count: 50, width: 600, height: 300 });
    await waitFor(() => !leader.writer.isLeader, { timeoutMs: LOCK_TTL_MS, message: 'the writer to step down' });
    // Three more tries at the lock (its ticks as a standby), each refused: three chances to
    // broadcast or commit that it must not take.
    await standbyAttempts(3);
    assert.equal(player.deltas.length, deltas, 'nothing broadcast without the lock');
    assert.equal((await readWriterState(suite.redis, canvasId)).state!.seq, before.seq, 'nothing committed without the lock');
    // The intruder goes away: the writer leads again and continues the same sequence.
    await suite.redis.del(canvasKeys(canvasId).writerLock);
    await waitUntilCaughtUp(player, suite.redis, canvasId);
    assert.deepEqual(chainProblems(player.deltas), []);
    assert.equal(player.deltas.at(-1)!.epoch, player.deltas[0]!.epoch);
    assert.ok(Buffer.from(player.replica.toIndexArray()).equals(Buffer.from(await canvasInRedis(suite.redis, canvasId))));
  });

  it('refuses a commit from a writer that does not hold the lock, or from stale state', async () => {
    const { canvasId, leader } = await setUp(1);
    const stored = await readWriterState(suite.redis, canvasId);
    const state = stored.state!;
    const next = { ...state, seq: state.seq + 1 };
    assert.equal(await commitWriterState(suite.redis, canvasId, 'not-the-leader', stored.fence, next), 'not-leader');
    await leader.close();
    assert.equal(await acquireWriterLease(suite.redis, canvasId, 'other', 5_000), true);
    assert.equal(await commitWriterState(suite.redis, canvasId, 'other', { epoch: String(state.epoch), seq: String(state.seq + 7) }, next), 'conflict');
    assert.deepEqual((await readWriterState(suite.redis, canvasId)).fence, fenceOf(state));
    assert.equal(await commitWriterState(suite.redis, canvasId, 'other', stored.fence, next), 'committed');
    assert.equal(await releaseWriterLease(suite.redis, canvasId, 'other'), true);
  });

  it('re-sends the last delta when a leader died between committing and broadcasting it', async () => {
    const { canvasId, placer, leader, player } = await setUp(1);
    await placeRandom(placer, { count: 30, width: 600, height: 300 });
    await waitUntilCaughtUp(player, suite.redis, canvasId);
    await leader.close();
    // A leader commits the next delta and dies before publishing it.
    await placeRandom(placer, { count: 30, width: 600, height: 300 });
    assert.equal(await acquireWriterLease(suite.redis, canvasId, 'doomed', LOCK_TTL_MS), true);
    const { state, fence } = await readWriterState(suite.redis, canvasId);
    const page = await readEventPage(suite.redis, canvasId, state!.cursor, 1_000);
    const delta = { epoch: state!.epoch, seq: state!.seq + 1, start: state!.cursor, end: page.last!, configVersion: 1, chunks: coalesce(page.events) };
    const bytes = encodeDelta(delta);
    assert.equal(
      await commitWriterState(suite.redis, canvasId, 'doomed', fence, { epoch: delta.epoch, seq: delta.seq, cursor: delta.end, lastDelta: bytes }),
      'committed',
    );
    // Its lock expires; a standby takes over.
    const seen = player.deltas.length;
    await suite.writer({ canvasId, lockTtlMs: LOCK_TTL_MS });
    await waitFor(() => player.deltas.length > seen, { timeoutMs: LOCK_TTL_MS + 1_000, message: 'the re-sent delta' });
    assert.deepEqual(player.deltas[seen], delta);
    await waitUntilCaughtUp(player, suite.redis, canvasId);
    assert.deepEqual(chainProblems(player.deltas), []);
    assert.deepEqual(player.actions, []);
    assert.ok(Buffer.from(player.replica.toIndexArray()).equals(Buffer.from(await canvasInRedis(suite.redis, canvasId))));
  });
});

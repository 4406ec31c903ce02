import assert from 'node:assert/strict';
import { canvasKeys } from '@tessera/protocol';
import { lastEventPosition, readWriterState } from '@tessera/store';
import { Redis } from 'ioredis';
import { useRedis, waitFor } from '../../test-support/index.js';
import {
  canvasInRedis,
  chainProblems,
  createTestCanvas,
  freshCanvasId,
  placeRandom,
  Player,
  startRelay,
  startWriter,
  waitUntilCaughtUp,
} from './support/harness.js';

describe('writer epochs', function () {
  this.timeout(15_000);
  const server = useRedis();
  let redis: Redis;
  const cleanups: (() => Promise<void> | void)[] = [];

  before(() => {
    redis = new Redis(server.url);
  });
  after(() => redis.disconnect());
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function canvasWithPlayer() {
    const canvasId = freshCanvasId();
    const placer = await createTestCanvas(redis, canvasId);
    const relay = await startRelay(server.url, canvasId);
    cleanups.push(() => relay.close());
    return { canvasId, placer, relay };
  }

  it('starts an epoch on a canvas it never wrote, announcing it at once', async () => {
    const { canvasId, placer, relay } = await canvasWithPlayer();
    await placeRandom(placer, { count: 40, width: 600, height: 300 });
    const player = await Player.join(relay, redis, canvasId);
    cleanups.push(() => player.close());
    const writer = await startWriter(server.url, { canvasId });
    cleanups.push(() => writer.close());
    // No placement needed: the epoch's first delta re-sends the newest event.
    await waitUntilCaughtUp(player, redis, canvasId);
    const state = (await readWriterState(redis, canvasId)).state!;
    assert.equal(player.deltas[0]!.epoch, state.epoch);
    assert.equal(player.deltas[0]!.seq, 1);
    assert.ok(state.epoch > 0);
    assert.deepEqual(state.cursor, await lastEventPosition(redis, canvasId));
    assert.ok(Buffer.from(player.replica.toIndexArray()).equals(Buffer.from(await canvasInRedis(redis, canvasId))));
  });

  it('starts a new epoch when events were trimmed before they were broadcast, and players refetch', async () => {
    const { canvasId, placer, relay } = await canvasWithPlayer();
    const first = await startWriter(server.url, { canvasId });
    cleanups.push(() => first.close());
    const player = await Player.join(relay, redis, canvasId);
    cleanups.push(() => player.close());
    await placeRandom(placer, { count: 30, width: 600, height: 300 });
    await waitUntilCaughtUp(player, redis, canvasId);
    const before = (await readWriterState(redis, canvasId)).state!;
    await first.close();
    // While no writer runs, more events arrive than the stream keeps.
    await placeRandom(placer, { count: 200, width: 600, height: 300, perBurst: 100, pauseMs: 0 });
    await redis.xtrim(canvasKeys(canvasId).events, 'MAXLEN', 10);
    const second = await startWriter(server.url, { canvasId });
    cleanups.push(() => second.close());
    const epochs: string[] = [];
    second.writer.on('epoch', ({ reason }) => epochs.push(reason));
    await waitUntilCaughtUp(player, redis, canvasId);
    assert.deepEqual(epochs, ['events were trimmed from the stream before they were broadcast']);
    const after = (await readWriterState(redis, canvasId)).state!;
    assert.notEqual(after.epoch, before.epoch);
    assert.ok(
      player.actions.some((action) => action.kind === 'refetch-all'),
      'the player refetched',
    );
    assert.deepEqual(chainProblems(player.deltas), []);
    await player.settled();
    assert.ok(Buffer.from(player.replica.toIndexArray()).equals(Buffer.from(await canvasInRedis(redis, canvasId))));
  });

  it('starts a new epoch when Redis comes back behind the deltas it committed (a lagging replica, an older AOF)', async () => {
    const { canvasId, placer, relay } = await canvasWithPlayer();
    const writer = await startWriter(server.url, { canvasId });
    cleanups.push(() => writer.close());
    const player = await Player.join(relay, redis, canvasId);
    cleanups.push(() => player.close());
    await placeRandom(placer, { count: 20, width: 600, height: 300 });
    await waitUntilCaughtUp(player, redis, canvasId);
    // What the lagging replica holds: every key of the canvas as it is now.
    const keys = await redis.keys(`${canvasKeys(canvasId).prefix}*`);
    const dumps = await Promise.all(keys.map(async (key) => [key, await redis.dumpBuffer(key)] as const));
    const before = (await readWriterState(redis, canvasId)).state!;
    await placeRandom(placer, { count: 20, width: 600, height: 300 });
    await waitUntilCaughtUp(player, redis, canvasId);
    assert.ok((await readWriterState(redis, canvasId)).state!.seq > before.seq, 'deltas were committed after the copy');
    const epochs: string[] = [];
    writer.writer.on('epoch', ({ reason }) => epochs.push(reason));
    const seen = player.deltas.length;

    // The failover: Redis now holds the older copy, writer state and stream included.
    const multi = redis.multi();
    for (const key of await redis.keys(`${canvasKeys(canvasId).prefix}*`)) multi.del(key);
    for (const [key, dump] of dumps) if (dump) multi.restore(key, 0, dump, 'REPLACE');
    await multi.exec();

    await waitFor(() => epochs.length > 0, { message: 'the writer to begin a new epoch' });
    assert.match(epochs[0]!, /rolled back/);
    await waitFor(() => player.deltas.slice(seen).some((delta) => delta.epoch !== before.epoch), { message: 'a delta of the new epoch' });
    // Never a lost sequence number re-issued with other content in the old epoch.
    assert.deepEqual(
      player.deltas.slice(seen).filter((delta) => delta.epoch === before.epoch && delta.seq > before.seq),
      [],
    );
    await waitFor(
      async () =>
        !player.sync.busy && player.replica.loaded && Buffer.from(player.replica.toIndexArray()).equals(Buffer.from(await canvasInRedis(redis, canvasId))),
      {
        message: 'the player to equal the rolled-back Redis',
      },
    );
    assert.ok(player.actions.some((action) => action.kind === 'refetch-all'));
  });

  it('starts a new epoch at once when a snapshot restore deletes its state', async () => {
    const { canvasId, placer, relay } = await canvasWithPlayer();
    const writer = await startWriter(server.url, { canvasId });
    cleanups.push(() => writer.close());
    const player = await Player.join(relay, redis, canvasId);
    cleanups.push(() => player.close());
    await placeRandom(placer, { count: 20, width: 600, height: 300 });
    await waitUntilCaughtUp(player, redis, canvasId);
    const before = player.lastDelta!.epoch;
    // What restore-canvas.lua does to the writer (the canvas is idle: no placement follows).
    await redis.del(canvasKeys(canvasId).writerState);
    await waitFor(() => player.lastDelta!.epoch !== before, { timeoutMs: 2_000, message: 'a delta of the new epoch' });
    await player.settled();
    assert.ok(player.actions.some((action) => action.kind === 'refetch-all'));
    assert.ok(writer.writer.isLeader);
    assert.ok(Buffer.from(player.replica.toIndexArray()).equals(Buffer.from(await canvasInRedis(redis, canvasId))));
  });

  it('replaces damaged writer state with a new epoch', async () => {
    const { canvasId, placer, relay } = await canvasWithPlayer();
    await placeRandom(placer, { count: 5, width: 600, height: 300 });
    await redis.hset(canvasKeys(canvasId).writerState, 'epoch', 'garbage', 'seq', '-1');
    const player = await Player.join(relay, redis, canvasId);
    cleanups.push(() => player.close());
    const writer = await startWriter(server.url, { canvasId });
    cleanups.push(() => writer.close());
    await waitUntilCaughtUp(player, redis, canvasId);
    const stored = await readWriterState(redis, canvasId);
    assert.equal(stored.damaged, false);
    assert.ok(stored.state!.epoch > 0);
    await placeRandom(placer, { count: 20, width: 600, height: 300 });
    await waitUntilCaughtUp(player, redis, canvasId);
    assert.ok(Buffer.from(player.replica.toIndexArray()).equals(Buffer.from(await canvasInRedis(redis, canvasId))));
  });

  it('waits for a canvas that does not exist yet', async () => {
    const canvasId = freshCanvasId();
    const writer = await startWriter(server.url, { canvasId, syncIntervalMs: 200 });
    cleanups.push(() => writer.close());
    const errors: unknown[] = [];
    writer.writer.on('error', (error) => errors.push(error));
    await waitFor(() => writer.writer.state);
    const relay = await startRelay(server.url, canvasId);
    cleanups.push(() => relay.close());
    const placer = await createTestCanvas(redis, canvasId);
    const player = await Player.join(relay, redis, canvasId);
    cleanups.push(() => player.close());
    await placeRandom(placer, { count: 20, width: 600, height: 300 });
    await waitUntilCaughtUp(player, redis, canvasId);
    assert.deepEqual(errors, []);
    assert.deepEqual(player.actions, []);
  });
});

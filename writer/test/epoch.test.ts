import assert from 'node:assert/strict';
import { canvasKeys } from '@tessera/protocol';
import { lastEventPosition, readWriterState } from '@tessera/store';
import { waitFor } from '../../test-support/index.js';
import { canvasInRedis, chainProblems, createTestCanvas, freshCanvasId, placeRandom, useWriterSuite, waitUntilCaughtUp } from './support/harness.js';

describe('writer epochs', function () {
  this.timeout(15_000);
  const suite = useWriterSuite();

  async function canvasWithPlayer() {
    const canvasId = freshCanvasId();
    const placer = await createTestCanvas(suite.redis, canvasId);
    const relay = await suite.relay(canvasId);
    return { canvasId, placer, relay };
  }
  /** A canvas with a writer leading and a player caught up after `count` placements. */
  async function writingCanvas(count: number) {
    const { canvasId, placer, relay } = await canvasWithPlayer();
    const writer = await suite.writer({ canvasId });
    const player = await suite.join(relay, canvasId);
    await placeRandom(placer, { count, width: 600, height: 300 });
    await waitUntilCaughtUp(player, suite.redis, canvasId);
    return { canvasId, placer, writer, player };
  }

  it('starts an epoch on a canvas it never wrote, announcing it at once', async () => {
    const { canvasId, placer, relay } = await canvasWithPlayer();
    await placeRandom(placer, { count: 40, width: 600, height: 300 });
    const player = await suite.join(relay, canvasId);
    await suite.writer({ canvasId });
    // No placement needed: the epoch's first delta re-sends the newest event.
    await waitUntilCaughtUp(player, suite.redis, canvasId);
    const state = (await readWriterState(suite.redis, canvasId)).state!;
    assert.equal(player.deltas[0]!.epoch, state.epoch);
    assert.equal(player.deltas[0]!.seq, 1);
    assert.ok(state.epoch > 0);
    assert.deepEqual(state.cursor, await lastEventPosition(suite.redis, canvasId));
    assert.ok(Buffer.from(player.replica.toIndexArray()).equals(Buffer.from(await canvasInRedis(suite.redis, canvasId))));
  });

  it('starts a new epoch when events were trimmed before they were broadcast, and players refetch', async () => {
    const { canvasId, placer, player, writer: first } = await writingCanvas(30);
    const before = (await readWriterState(suite.redis, canvasId)).state!;
    await first.close();
    // While no writer runs, more events arrive than the stream keeps.
    await placeRandom(placer, { count: 200, width: 600, height: 300, perBurst: 100, pauseMs: 0 });
    await suite.redis.xtrim(canvasKeys(canvasId).events, 'MAXLEN', 10);
    const second = await suite.writer({ canvasId });
    const epochs: string[] = [];
    second.writer.on('epoch', ({ reason }) => epochs.push(reason));
    await waitUntilCaughtUp(player, suite.redis, canvasId);
    assert.deepEqual(epochs, ['events were trimmed from the stream before they were broadcast']);
    const after = (await readWriterState(suite.redis, canvasId)).state!;
    assert.notEqual(after.epoch, before.epoch);
    assert.ok(
      player.actions.some((action) => action.kind === 'refetch-all'),
      'the player refetched',
    );
    assert.deepEqual(chainProblems(player.deltas), []);
    await player.settled();
    assert.ok(Buffer.from(player.replica.toIndexArray()).equals(Buffer.from(await canvasInRedis(suite.redis, canvasId))));
  });

  it('starts a new epoch when Redis comes back behind the deltas it committed (a lagging replica, an older AOF)', async () => {
    const { canvasId, placer, writer, player } = await writingCanvas(20);
    // What the lagging replica holds: every key of the canvas as it is now.
    const keys = await suite.redis.keys(`${canvasKeys(canvasId).prefix}*`);
    const dumps = await Promise.all(keys.map(async (key) => [key, await suite.redis.dumpBuffer(key)] as const));
    const before = (await readWriterState(suite.redis, canvasId)).state!;
    await placeRandom(placer, { count: 20, width: 600, height: 300 });
    await waitUntilCaughtUp(player, suite.redis, canvasId);
    assert.ok((await readWriterState(suite.redis, canvasId)).state!.seq > before.seq, 'deltas were committed after the copy');
    const epochs: string[] = [];
    writer.writer.on('epoch', ({ reason }) => epochs.push(reason));
    const seen = player.deltas.length;

    // The failover: Redis now holds the older copy, writer state and stream included.
    const multi = suite.redis.multi();
    for (const key of await suite.redis.keys(`${canvasKeys(canvasId).prefix}*`)) multi.del(key);
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
        !player.sync.busy &&
        player.replica.loaded &&
        Buffer.from(player.replica.toIndexArray()).equals(Buffer.from(await canvasInRedis(suite.redis, canvasId))),
      {
        message: 'the player to equal the rolled-back Redis',
      },
    );
    assert.ok(player.actions.some((action) => action.kind === 'refetch-all'));
  });

  it('starts a new epoch at once when a snapshot restore deletes its state', async () => {
    const { canvasId, writer, player } = await writingCanvas(20);
    const before = player.lastDelta!.epoch;
    // What restore-canvas.lua does to the writer (the canvas is idle: no placement follows).
    await suite.redis.del(canvasKeys(canvasId).writerState);
    await waitFor(() => player.lastDelta!.epoch !== before, { timeoutMs: 2_000, message: 'a delta of the new epoch' });
    await player.settled();
    assert.ok(player.actions.some((action) => action.kind === 'refetch-all'));
    assert.ok(writer.writer.isLeader);
    assert.ok(Buffer.from(player.replica.toIndexArray()).equals(Buffer.from(await canvasInRedis(suite.redis, canvasId))));
  });

  it('replaces damaged writer state with a new epoch', async () => {
    const { canvasId, placer, relay } = await canvasWithPlayer();
    await placeRandom(placer, { count: 5, width: 600, height: 300 });
    await suite.redis.hset(canvasKeys(canvasId).writerState, 'epoch', 'garbage', 'seq', '-1');
    const player = await suite.join(relay, canvasId);
    await suite.writer({ canvasId });
    await waitUntilCaughtUp(player, suite.redis, canvasId);
    const stored = await readWriterState(suite.redis, canvasId);
    assert.equal(stored.damaged, false);
    assert.ok(stored.state!.epoch > 0);
    await placeRandom(placer, { count: 20, width: 600, height: 300 });
    await waitUntilCaughtUp(player, suite.redis, canvasId);
    assert.ok(Buffer.from(player.replica.toIndexArray()).equals(Buffer.from(await canvasInRedis(suite.redis, canvasId))));
  });

  it('waits for a canvas that does not exist yet', async () => {
    const canvasId = freshCanvasId();
    const writer = await suite.writer({ canvasId, syncIntervalMs: 200 });
    const errors: unknown[] = [];
    writer.writer.on('error', (error) => errors.push(error));
    await waitFor(() => writer.writer.state);
    const relay = await suite.relay(canvasId);
    const placer = await createTestCanvas(suite.redis, canvasId);
    const player = await suite.join(relay, canvasId);
    await placeRandom(placer, { count: 20, width: 600, height: 300 });
    await waitUntilCaughtUp(player, suite.redis, canvasId);
    assert.deepEqual(errors, []);
    assert.deepEqual(player.actions, []);
  });
});

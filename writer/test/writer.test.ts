import assert from 'node:assert/strict';
import { chooseWireFormat, chunkChecksum, chunkGrid, chunkId, decodeWireFrame, type WireFormat } from '@tessera/protocol';
import { lastEventPosition, readCanvas } from '@tessera/store';
import { waitFor } from '../../test-support/index.js';
import {
  canvasInRedis,
  chainProblems,
  createTestCanvas,
  freshCanvasId,
  placeRandom,
  type Relay,
  startWriter,
  type TestWriter,
  useWriterSuite,
  waitForTicks,
  waitUntilCaughtUp,
} from './support/harness.js';

describe('the writer broadcasting deltas and syncs', function () {
  this.timeout(15_000);
  const suite = useWriterSuite();

  async function setUp(wireFormat: WireFormat = 'base64', syncIntervalMs = 60_000) {
    const canvasId = freshCanvasId();
    const placer = await createTestCanvas(suite.redis, canvasId);
    const relay: Relay = await suite.relay(canvasId);
    const writer: TestWriter = await suite.writer({ canvasId, wireFormat, syncIntervalMs });
    await waitFor(() => writer.writer.isLeader, { message: 'the writer to lead' });
    const player = await suite.join(relay, canvasId);
    return { canvasId, placer, relay, writer, player };
  }

  for (const wireFormat of ['base64', 'binary', 'auto'] as const) {
    it(`keeps a player's canvas byte-for-byte equal to Redis (${wireFormat})`, async () => {
      const { canvasId, placer, relay, player } = await setUp(wireFormat);
      // One player joins before any placement, one in the middle of them.
      const placing = placeRandom(placer, { count: 1_500, width: 600, height: 300, perBurst: 60, pauseMs: 15 });
      // The late player joins once deltas are flowing, so it starts mid-stream.
      await waitFor(() => player.deltas.length >= 1, { timeoutMs: 10_000, message: 'the first delta' });
      const late = await suite.join(relay, canvasId);
      await placing;
      for (const p of [player, late]) {
        await waitUntilCaughtUp(p, suite.redis, canvasId);
        assert.deepEqual(p.problems, []);
        assert.deepEqual(chainProblems(p.deltas), []);
        assert.deepEqual(p.actions, [], 'no refetch should have been needed');
        assert.ok(p.deltas.length >= 3, `expected the placements to span several deltas, got ${p.deltas.length}`);
        const expected = await canvasInRedis(suite.redis, canvasId);
        assert.ok(Buffer.from(p.replica.toIndexArray()).equals(Buffer.from(expected)), 'replica differs from Redis');
      }
      for (const frame of player.frames) {
        // Auto: small frames as text, larger ones as binary, by the size of the bytes they carry.
        const bytes = decodeWireFrame(frame);
        assert.ok(bytes.ok);
        const form = chooseWireFormat(wireFormat, bytes.value.length);
        assert.equal(typeof frame, form === 'base64' ? 'string' : 'object', `a ${bytes.value.length}-byte frame should travel as ${form}`);
      }
    });
  }

  it('folds a pixel changed many times within a tick into its final colour', async () => {
    const { canvasId, placer, player } = await setUp();
    await placeRandom(placer, { count: 2_000, width: 600, height: 300, perBurst: 200, pauseMs: 0, area: 4 });
    await waitUntilCaughtUp(player, suite.redis, canvasId);
    const pixels = player.deltas.reduce((sum, delta) => sum + delta.chunks.reduce((n, chunk) => n + chunk.offsets.length, 0), 0);
    assert.ok(pixels <= 16 * player.deltas.length, `a 4×4 area cannot change more than 16 pixels per delta (got ${pixels} in ${player.deltas.length})`);
    assert.ok(Buffer.from(player.replica.toIndexArray()).equals(Buffer.from(await canvasInRedis(suite.redis, canvasId))));
  });

  it('sends nothing on an idle tick', async () => {
    const { canvasId, placer, player, writer } = await setUp();
    await placeRandom(placer, { count: 20, width: 600, height: 300 });
    await waitUntilCaughtUp(player, suite.redis, canvasId);
    const deltas = player.deltas.length;
    const seq = writer.writer.state?.seq;
    await waitForTicks(writer, 6);
    assert.equal(player.deltas.length, deltas);
    assert.equal(writer.writer.state?.seq, seq);
    assert.equal(await writer.metrics.lag.get().then((m) => m.values[0]?.value), 0);
  });

  it('carries a sequence number and the stream position it ends at', async () => {
    const { canvasId, placer, player } = await setUp();
    await placeRandom(placer, { count: 1, width: 600, height: 300 });
    await waitUntilCaughtUp(player, suite.redis, canvasId);
    const last = player.lastDelta!;
    assert.deepEqual(last.end, await lastEventPosition(suite.redis, canvasId));
    const config = await suite.redis.hget(`tessera:{${canvasId}}:config`, 'version');
    assert.equal(last.configVersion, Number(config));
  });

  it('broadcasts syncs whose checksums match the player after the placements stop', async () => {
    const { canvasId, placer, player, writer } = await setUp('base64', 400);
    await placeRandom(placer, { count: 600, width: 600, height: 300, perBurst: 25, pauseMs: 50 });
    await waitUntilCaughtUp(player, suite.redis, canvasId);
    const frame = (await readCanvas(suite.redis, canvasId))!;
    // A sync at the final position, after the last delta.
    const checked = await waitFor(
      () => player.checkedSyncs.find(({ sync }) => sync.position.ms === frame.position.ms && sync.position.seq === frame.position.seq),
      { timeoutMs: 3_000, message: 'a sync at the final position' },
    );
    assert.deepEqual(checked.mismatched, []);
    const { columns, rows } = chunkGrid(frame.width, frame.height);
    assert.equal(checked.sync.checksums.length, columns * rows, 'every chunk of the grid, present or not');
    const data = new Map(frame.chunks.map((chunk) => [chunkId(chunk.cx, chunk.cy), chunk.bytes]));
    for (const { cx, cy, checksum } of checked.sync.checksums) assert.equal(checksum, chunkChecksum(data.get(chunkId(cx, cy))));
    // Every sync the player could check matched, including those sent while placements went on.
    assert.ok(player.checkedSyncs.length >= 2, `expected several checked syncs, got ${player.checkedSyncs.length}`);
    for (const { mismatched } of player.checkedSyncs) assert.deepEqual(mismatched, []);
    assert.ok((await writer.metrics.syncs.get()).values[0]!.value >= 2);
  });

  it('makes a player that drifted refetch exactly the chunks that differ', async () => {
    const { canvasId, placer, player } = await setUp('base64', 300);
    await placeRandom(placer, { count: 50, width: 600, height: 300 });
    await placer.place({ x: 520, y: 260, color: 3, userId: 'u', ip: '127.0.0.1', applyIpCooldown: false });
    await waitUntilCaughtUp(player, suite.redis, canvasId);
    // Corrupt the player's copy of chunk 2,1 (as a lost frame would).
    const chunk = player.replica.chunkBytes(2, 1);
    if (!chunk) assert.fail('chunk 2,1 is not loaded');
    chunk.fill(5);
    await waitFor(() => player.actions.some((action) => action.kind === 'refetch-chunks'), { timeoutMs: 3_000, message: 'a chunk refetch' });
    await player.settled();
    assert.deepEqual(player.actions, [{ kind: 'refetch-chunks', chunks: [{ cx: 2, cy: 1 }] }]);
    assert.ok(Buffer.from(player.replica.toIndexArray()).equals(Buffer.from(await canvasInRedis(suite.redis, canvasId))));
  });

  it('splits a backlog larger than MAX_EVENTS_PER_TICK over several contiguous deltas', async () => {
    const canvasId = freshCanvasId();
    const placer = await createTestCanvas(suite.redis, canvasId);
    const relay = await suite.relay(canvasId);
    // The backlog exists before the writer starts.
    const first = await startWriter(suite.server.url, { canvasId });
    await waitFor(() => first.writer.isLeader && first.writer.state !== undefined);
    await first.close();
    const player = await suite.join(relay, canvasId);
    await placeRandom(placer, { count: 1_000, width: 600, height: 300, perBurst: 200, pauseMs: 0 });
    await suite.writer({ canvasId, maxEventsPerTick: 300 });
    await waitUntilCaughtUp(player, suite.redis, canvasId);
    assert.ok(player.deltas.length >= 4, `1000 events at 300 per tick need at least 4 deltas, got ${player.deltas.length}`);
    for (const delta of player.deltas) {
      const pixels = delta.chunks.reduce((n, chunk) => n + chunk.offsets.length, 0);
      assert.ok(pixels <= 300, `delta ${delta.seq} carries ${pixels} pixels`);
    }
    assert.deepEqual(chainProblems(player.deltas), []);
    assert.ok(Buffer.from(player.replica.toIndexArray()).equals(Buffer.from(await canvasInRedis(suite.redis, canvasId))));
  });
});

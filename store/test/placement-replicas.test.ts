import assert from 'node:assert/strict';
import { canvasKeys, ErrorCode } from '@tessera/protocol';
import { Cluster, Redis } from 'ioredis';
import { startRedis, type RedisServer } from '../../scripts/lib/redis-server.mjs';
import { startRedisCluster } from '../../scripts/lib/redis-topology.mjs';
import { useRedis, waitFor } from '../../test-support/index.js';
import {
  createBatchingPixelPlacer,
  createCanvasIfMissing,
  loadScripts,
  placementFailureCode,
  ReplicaShortfallError,
  type PlacementRequest,
  type ReplicaShortfall,
} from '../src/index.js';

const PALETTE = ['#ffffff', '#000000', '#ff0000'];

/**
 * Redis replicates asynchronously: a master can acknowledge a write its replica never gets, and a
 * failover then loses it. With `replicas`, the placer acknowledges only what a replica holds.
 */
describe('acknowledging a placement only once a replica holds it', function () {
  this.timeout(30_000);
  let master: RedisServer;
  let replica: RedisServer;
  let redis: Redis;
  let onReplica: Redis;
  let counter = 0;

  const request = (x: number, userId: string, color = 1): PlacementRequest => ({ x, y: 0, color, userId, ip: '10.0.0.1', applyIpCooldown: false });
  const linkUp = async () => (await onReplica.info('replication')).includes('master_link_status:up');

  before(async function () {
    this.timeout(30_000);
    master = await startRedis();
    replica = await startRedis({ args: ['--replicaof', '127.0.0.1', String(master.port)] });
    redis = new Redis(master.url);
    onReplica = new Redis(replica.url);
    await loadScripts(redis); // as a gateway does at start: no batch goes as EVAL first
    await waitFor(linkUp, { timeoutMs: 20_000, message: 'the replica linked to its master' });
  });
  after(async () => {
    replica?.process.kill('SIGCONT');
    redis?.disconnect();
    onReplica?.disconnect();
    await Promise.all([replica?.stop(), master?.stop()]);
  });

  async function canvas() {
    const canvasId = `replicated${++counter}`;
    await createCanvasIfMissing(redis, canvasId, { width: 300, height: 10, palette: PALETTE, cooldownMs: 0 });
    return { canvasId, keys: canvasKeys(canvasId) };
  }

  it('acknowledges a batch once the replica confirmed it, and the replica then holds every acknowledged placement', async () => {
    const { canvasId, keys } = await canvas();
    const placer = createBatchingPixelPlacer(redis, canvasId, 100_000, { replicas: 1, replicaTimeoutMs: 5_000 });
    const outcomes = await Promise.all(Array.from({ length: 50 }, (_, i) => placer.place(request(i, `g_r${i}`))));
    // Read before anything else can happen: WAIT answered, so the replica has them already.
    const onReplicaNow = await onReplica.xlen(keys.events);
    assert.deepEqual(
      outcomes.map((o) => o.ok),
      Array(50).fill(true),
    );
    assert.equal(onReplicaNow, 50);
  });

  describe('while the replica cannot confirm (its process stopped)', () => {
    beforeEach(() => {
      replica.process.kill('SIGSTOP');
    });
    afterEach(async () => {
      replica.process.kill('SIGCONT');
      await waitFor(async () => (await onReplica.ping()) === 'PONG', { message: 'the replica answering again' });
    });

    it('answers accepted placements OUTCOME_UNKNOWN (they are written, not yet safe), refusals as refusals, and reports the shortfall', async () => {
      const { canvasId, keys } = await canvas();
      const shortfalls: ReplicaShortfall[] = [];
      const placer = createBatchingPixelPlacer(redis, canvasId, 100_000, {
        replicas: 1,
        replicaTimeoutMs: 100,
        onReplicaShortfall: (shortfall) => shortfalls.push(shortfall),
      });
      const settled = await Promise.allSettled([
        placer.place(request(1, 'g_a')),
        placer.place(request(2, 'g_b', PALETTE.length)),
        placer.place(request(3, 'g_c')),
      ]);
      const [first, refused, third] = settled;
      for (const accepted of [first, third]) {
        assert.equal(accepted?.status, 'rejected');
        const reason = accepted.reason as unknown;
        assert.ok(reason instanceof ReplicaShortfallError, String(reason));
        assert.equal(placementFailureCode(reason), ErrorCode.OutcomeUnknown);
      }
      assert.ok(refused?.status === 'fulfilled' && !refused.value.ok && refused.value.error === ErrorCode.InvalidColor);
      assert.deepEqual(shortfalls, [{ confirmed: 0, required: 1, placements: 2 }]);
      // The master ran them: the next delta carries them, which is what an unknown outcome waits for.
      assert.equal(await redis.xlen(keys.events), 2);
    });

    it('is what a placer without replicas would have acknowledged at once (the case this guards)', async () => {
      const { canvasId } = await canvas();
      const placer = createBatchingPixelPlacer(redis, canvasId, 100_000);
      const outcome = await placer.place(request(1, 'g_plain'));
      assert.equal(outcome.ok, true);
    });
  });

  it('refuses settings it cannot use', () => {
    assert.throws(() => createBatchingPixelPlacer(redis, 'x', 100_000, { replicas: -1 }), /replicas must be a non-negative integer, got -1/);
    assert.throws(
      () => createBatchingPixelPlacer(redis, 'x', 100_000, { replicas: 1, replicaTimeoutMs: 0 }),
      /replicaTimeoutMs must be a positive integer, got 0/,
    );
  });
  describe('afterwards', () => {
    it('acknowledges again once the replica is back', async () => {
      const { canvasId } = await canvas();
      await waitFor(linkUp, { timeoutMs: 20_000, message: 'the replica linked again' });
      const placer = createBatchingPixelPlacer(redis, canvasId, 100_000, { replicas: 1, replicaTimeoutMs: 5_000 });
      assert.equal((await placer.place(request(7, 'g_back'))).ok, true);
    });
  });
});

describe('asking for a replica of a master that has none (one left alone after a failover)', function () {
  this.timeout(30_000);
  const server = useRedis();

  it('falls short once, counts no replica connected, then acknowledges on the master word rather than never', async () => {
    const redis = new Redis(server.url);
    try {
      await loadScripts(redis);
      await createCanvasIfMissing(redis, 'alone', { width: 100, height: 10, palette: PALETTE, cooldownMs: 0 });
      const shortfalls: ReplicaShortfall[] = [];
      const placer = createBatchingPixelPlacer(redis, 'alone', 100_000, { replicas: 1, replicaTimeoutMs: 50, onReplicaShortfall: (s) => shortfalls.push(s) });
      const place = (x: number) => placer.place({ x, y: 0, color: 1, userId: `g_${x}`, ip: '10.0.0.1', applyIpCooldown: false });
      // The first batch still assumes the replica asked for, and learns with it that there is none.
      await assert.rejects(place(0), ReplicaShortfallError);
      assert.equal(shortfalls.length, 1);
      for (let x = 1; x <= 5; x++) assert.equal((await place(x)).ok, true);
      assert.equal(shortfalls.length, 1);
    } finally {
      redis.disconnect();
    }
  });
});

describe('asking for a replica in a Redis Cluster', function () {
  this.timeout(60_000);

  it('works in Cluster mode: WAIT and the replica count travel in the pipeline of the script (they have no key of their own)', async () => {
    const set = await startRedisCluster();
    const cluster = new Cluster(set.addresses);
    try {
      await cluster.ping(); // ready: the masters are known
      await loadScripts(cluster);
      await createCanvasIfMissing(cluster, 'sharded', { width: 100, height: 10, palette: PALETTE, cooldownMs: 0 });
      const placer = createBatchingPixelPlacer(cluster, 'sharded', 100_000, { replicas: 1, replicaTimeoutMs: 50 });
      const place = (x: number) => placer.place({ x, y: 0, color: 1, userId: `g_${x}`, ip: '10.0.0.1', applyIpCooldown: false });
      // These shards have no replicas: the first batch falls short, and the count taken with it lets the rest through.
      await assert.rejects(place(0), ReplicaShortfallError);
      for (let x = 1; x <= 5; x++) assert.equal((await place(x)).ok, true);
    } finally {
      cluster.disconnect();
      await set.stop();
    }
  });
});

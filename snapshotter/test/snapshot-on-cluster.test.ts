import assert from 'node:assert/strict';
import { canvasKeys } from '@tessera/protocol';
import { createRedisClient, waitForRedis } from '@tessera/runtime';
import type { RedisConnection } from '@tessera/store';
import { Cluster } from 'ioredis';
import { startRedisCluster, type RedisClusterProcesses } from '../../scripts/lib/redis-topology.mjs';
import { useS3 } from '../../test-support/index.js';
import { createSnapshotClient } from '../src/snapshot-client.js';
import { buildSnapshotter, createTestCanvas, dumpCanvas, freshCanvasId, placeRandom, testLog, type TestSnapshotter } from './support/harness.js';

const WIDTH = 600;
const HEIGHT = 300;
// The harness's helpers are typed for a standalone client; they use only commands a Cluster routes by key.
const asHarnessClient = (cluster: Cluster) => cluster as never;

/** Deletes a canvas on whichever shard holds it (KEYS on a cluster client asks one random node). */
async function wipeOnCluster(cluster: Cluster, canvasId: string): Promise<void> {
  for (const node of cluster.nodes('master')) {
    const keys = await node.keys(`${canvasKeys(canvasId).prefix}*`);
    if (keys.length > 0) await node.del(...keys);
  }
}

describe('snapshots and restore on a Redis Cluster', function () {
  this.timeout(60_000);
  const s3 = useS3();
  let redis: RedisClusterProcesses;
  let cluster: Cluster;
  const started: TestSnapshotter[] = [];
  const nodesEnv = (): Record<string, string> => ({ REDIS_CLUSTER_NODES: redis.addresses.map(({ host, port }) => `${host}:${port}`).join(',') });

  before(async () => {
    redis = await startRedisCluster();
    cluster = new Cluster(redis.addresses);
  });
  after(async () => {
    await Promise.all(started.map((built) => built.stop()));
    cluster?.disconnect();
    await redis?.stop();
  });

  it('takes a snapshot through the BullMQ queue, and restores it into a cluster that lost the canvas', async () => {
    const canvasId = freshCanvasId();
    await placeRandom(await createTestCanvas(asHarnessClient(cluster), canvasId, WIDTH, HEIGHT), { count: 2_000, width: WIDTH, height: HEIGHT });
    const original = await dumpCanvas(asHarnessClient(cluster), canvasId);

    const first = await buildSnapshotter({ redisUrl: 'redis://unused:1', s3Env: s3.env, canvasId, env: nodesEnv() });
    started.push(first);
    await first.snapshotter.start();
    // As the gateway's admin API does: jobs through the queue, whose keys share the {tessera-bull} tag.
    const connection: RedisConnection = createRedisClient(first.config.redis, testLog, { name: 'admin-test', failFast: false });
    await waitForRedis(connection, 5_000);
    const admin = createSnapshotClient({ connection, canvasId, timeoutMs: 15_000 });
    try {
      const taken = await admin.takeNow();
      assert.ok(taken.taken || taken.reason === 'unchanged', JSON.stringify(taken));
      assert.ok((await admin.list()).length >= 1);
    } finally {
      await admin.close();
      connection.disconnect();
    }
    await first.stop();

    await wipeOnCluster(cluster, canvasId);
    assert.equal(await cluster.exists(canvasKeys(canvasId).config), 0);
    const second = await buildSnapshotter({ redisUrl: 'redis://unused:1', s3Env: s3.env, canvasId, env: nodesEnv() });
    started.push(second);
    await second.snapshotter.start();
    const restored = await dumpCanvas(asHarnessClient(cluster), canvasId);
    assert.equal(restored.chunks.size, original.chunks.size);
    for (const [id, bytes] of original.chunks) assert.ok(restored.chunks.get(id)?.equals(bytes), `chunk ${id}`);
  });
});

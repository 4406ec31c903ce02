import assert from 'node:assert/strict';
import { canvasKeys } from '@tessera/protocol';
import { Cluster as RedisCluster } from 'ioredis';
import { startRedisCluster, type RedisClusterProcesses } from '../../scripts/lib/redis-topology.mjs';
import { requireBuilt } from '../../test-support/index.js';
import { assertContiguous, assertConverged, canvasIn } from './support/canvas-truth.js';
import { Cluster } from './support/cluster.js';
import { ReplicaClient } from './support/replica-client.js';

const WIDTH = 300;
const HEIGHT = 300;

describe('a cluster of gateways and writers on a 3-master Redis Cluster', function () {
  this.timeout(90_000);
  let redis: RedisClusterProcesses;
  let truth: RedisCluster;
  const cluster = new Cluster();
  const clients: ReplicaClient[] = [];

  before(async function () {
    requireBuilt(this, ['gateway/dist/main.js', 'writer/dist/main.js']);
    redis = await startRedisCluster();
    truth = new RedisCluster(redis.addresses);
    await cluster.start({
      redisEnv: { REDIS_CLUSTER_NODES: redis.addresses.map(({ host, port }) => `${host}:${port}`).join(',') },
      env: { CANVAS_WIDTH: String(WIDTH), CANVAS_HEIGHT: String(HEIGHT) },
      writerEnv: { SYNC_INTERVAL_MS: '1000' },
    });
  });
  after(async () => {
    for (const client of clients.splice(0)) client.close();
    truth?.disconnect();
    await cluster.stop();
    await redis?.stop();
  });

  it('converges: concurrent random placements on both gateways, every canvas equals Redis', async () => {
    const players = Array.from({ length: 12 }, (_, i) => new ReplicaClient(cluster.gatewayUrls[i % 2]!));
    clients.push(...players);
    await Promise.all(players.map((player) => player.ready()));
    let accepted = 0;
    await Promise.all(
      players.map(async (player) => {
        for (let i = 0; i < 60; i++) {
          const result = await player.place(Math.floor(Math.random() * WIDTH), Math.floor(Math.random() * HEIGHT), 1 + Math.floor(Math.random() * 31));
          if (result.ok) accepted++;
        }
      }),
    );
    assert.equal(accepted, 12 * 60);
    const started = Date.now();
    await assertConverged(() => canvasIn(truth), players, 20_000);
    console.log(`      ${accepted} placements on the cluster; every client equal to Redis ${Date.now() - started} ms after the last acknowledgement`);
    players.forEach((client, index) => assertContiguous(client.seqs, `client ${index}`));
    // The canvas lives on one shard, by its hash tag; the writer's lease beside it.
    assert.equal(await truth.exists(canvasKeys('main').config, canvasKeys('main').writerLock), 2);
  });
});

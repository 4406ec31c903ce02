import assert from 'node:assert/strict';
import { canvasKeys } from '@tessera/protocol';
import { Redis } from 'ioredis';
import { waitFor } from '../../test-support/index.js';
import { assertContiguous, assertConverged } from './support/canvas-truth.js';
import { Cluster } from './support/cluster.js';
import { ReplicaClient } from './support/replica-client.js';

const WIDTH = 300;
const HEIGHT = 300;

/** Each client places `count` random pixels as fast as acknowledgements come back. */
/** Each client places `count` random pixels; `progress.accepted` counts as they are accepted. */
function placeRandomly(clients: readonly ReplicaClient[], count: number, progress = { accepted: 0 }): Promise<number> {
  return Promise.all(
    clients.map(async (client) => {
      for (let i = 0; i < count; i++) {
        const result = await client.place(Math.floor(Math.random() * WIDTH), Math.floor(Math.random() * HEIGHT), Math.floor(Math.random() * 32));
        if (result.ok) progress.accepted++;
      }
    }),
  ).then(() => progress.accepted);
}

describe('a cluster of two gateways and two writers', function () {
  this.timeout(60_000);
  const cluster = new Cluster();
  const clients: ReplicaClient[] = [];
  const connect = async (gateway: number): Promise<ReplicaClient> => {
    const client = new ReplicaClient(cluster.gatewayUrls[gateway % cluster.gatewayUrls.length]!);
    clients.push(client);
    await client.ready();
    return client;
  };

  before(async () => {
    await cluster.start({ env: { CANVAS_WIDTH: String(WIDTH), CANVAS_HEIGHT: String(HEIGHT) }, writerEnv: { SYNC_INTERVAL_MS: '1000' } });
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });
  after(() => cluster.stop());

  it('delivers a pixel placed through gateway A to a client of gateway B in the next delta', async () => {
    const [a, b] = [await connect(0), await connect(1)];
    const started = Date.now();
    const result = await a.place(123, 45, 17);
    assert.ok(result.ok);
    await waitFor(() => b.replica.colorAt(123, 45) === 17, { timeoutMs: 3_000, message: 'the pixel on gateway B' });
    const latency = Date.now() - started;
    assert.ok(b.seqs.length >= 1);
    // The pixel came by delta, not by a re-read of the canvas.
    assert.equal(b.fullRefetches, 0);
    console.log(`      placement to visible on the other gateway: ${latency} ms`);
  });

  it('converges: many clients on both gateways, concurrent random placements, every canvas equals Redis', async () => {
    const players = await Promise.all(Array.from({ length: 16 }, (_, i) => connect(i)));
    const accepted = await placeRandomly(players, 60);
    assert.equal(accepted, 16 * 60);
    await assertConverged(cluster.redisUrl, players);
    players.forEach((client, index) => assertContiguous(client.seqs, `client ${index}`));
    assert.deepEqual(
      players.flatMap((client) => client.refetchReasons),
      [],
      'no client should have needed a full refetch',
    );
  });

  it('converges for a client that connects mid-stream', async () => {
    const players = await Promise.all(Array.from({ length: 6 }, (_, i) => connect(i)));
    const progress = { accepted: 0 };
    const placing = placeRandomly(players, 120, progress);
    // Join once the stream is well under way (a third of the placements), not after a guessed time.
    await waitFor(() => progress.accepted >= 240, { timeoutMs: 20_000, message: 'placements under way' });
    const late = await connect(1);
    await placing;
    await assertConverged(cluster.redisUrl, [...players, late]);
    assertContiguous(late.seqs, 'the late client');
  });

  it('checks every client against a sync, with nothing to repair', async () => {
    const players = await Promise.all(Array.from({ length: 4 }, (_, i) => connect(i)));
    await placeRandomly(players, 20);
    await waitFor(() => players.every((client) => client.syncsChecked >= 2), { timeoutMs: 5_000, message: 'two syncs at every client' });
    assert.equal(
      players.reduce((sum, client) => sum + client.chunkRefetches, 0),
      0,
    );
  });

  it('repairs drift that only a sync can see', async () => {
    const player = await connect(0);
    // Write a pixel behind the stream's back, as a bug or a manual fix would: no delta carries it.
    const redis = new Redis(cluster.redisUrl);
    await redis.call('BITFIELD', canvasKeys('main').chunk(0, 0), 'SET', 'u8', '#0', '9');
    await player.place(1, 1, 1); // advance the stream so the next sync describes a new position
    redis.disconnect();
    await waitFor(() => player.replica.colorAt(0, 0) === 9, { timeoutMs: 5_000, message: 'the sync to repair the drift' });
    assert.ok(player.chunkRefetches >= 1);
    assert.equal(player.fullRefetches, 0);
  });

  it('survives the writer leader being killed mid-stream: contiguous sequence, converged canvas', async () => {
    const redis = new Redis(cluster.redisUrl);
    const players = await Promise.all(Array.from({ length: 8 }, (_, i) => connect(i)));
    const progress = { accepted: 0 };
    const placing = placeRandomly(players, 150, progress);
    await waitFor(() => progress.accepted >= 300, { timeoutMs: 20_000, message: 'placements under way' });
    const leaderId = await redis.get(canvasKeys('main').writerLock);
    const leader = cluster.writers.find((writer) => writer.id === leaderId);
    assert.ok(leader, `no writer holds the lock (${leaderId})`);
    leader.service.child.kill('SIGKILL');
    await placing;
    const newLeader = await waitFor(
      async () => {
        const holder = await redis.get(canvasKeys('main').writerLock);
        return holder && holder !== leaderId ? holder : undefined;
      },
      { timeoutMs: 10_000, message: 'a standby to take over' },
    );
    assert.notEqual(newLeader, leaderId);
    await assertConverged(cluster.redisUrl, players, 15_000);
    players.forEach((client, index) => assertContiguous(client.seqs, `client ${index}`));
    assert.equal(
      players.reduce((sum, client) => sum + client.fullRefetches, 0),
      0,
      'a failover must not force refetches',
    );
    redis.disconnect();
    // Restore two writers for any later test.
    await cluster.startWriter(`${leader.id}-restarted`, {
      REDIS_URL: cluster.redisUrl,
      LOG_LEVEL: 'warn',
      PATH: process.env.PATH ?? '',
      SYNC_INTERVAL_MS: '1000',
    });
  });
});

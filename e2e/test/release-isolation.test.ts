import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { requireBuilt, sleep, startRedis, waitFor, type RedisServer } from '../../test-support/index.js';
import { Cluster } from './support/cluster.js';
import { ReplicaClient } from './support/replica-client.js';

/**
 * Two releases (two canvases) share one Redis: each one's gateways must not even receive the
 * other's broadcasts, let alone hand them to players.
 */
describe('two releases sharing one Redis', function () {
  this.timeout(60_000);
  let redis: RedisServer;
  const alpha = new Cluster();
  const beta = new Cluster();
  const clients: ReplicaClient[] = [];

  before(async function () {
    requireBuilt(this, ['gateway/dist/main.js', 'writer/dist/main.js']);
    redis = await startRedis();
    const size = { CANVAS_WIDTH: '100', CANVAS_HEIGHT: '100' };
    await alpha.start({ redisEnv: { REDIS_URL: redis.url }, env: { ...size, CANVAS_ID: 'alpha' }, gateways: 1, writers: 1 });
    await beta.start({ redisEnv: { REDIS_URL: redis.url }, env: { ...size, CANVAS_ID: 'beta' }, gateways: 1, writers: 1 });
  });
  after(async () => {
    for (const client of clients.splice(0)) client.close();
    await Promise.all([alpha.stop(), beta.stop()]);
    await redis?.stop();
  });

  it('delivers a delta to its own release only, on channels the other release does not listen to', async () => {
    // What beta's adapter listens to: every channel its gateways subscribed, patterns included.
    const probe = new Redis(redis.url);
    const patterns = (await probe.pubsub('NUMPAT')) as unknown as number;
    const channels = (await probe.pubsub('CHANNELS')) as string[];
    probe.disconnect();
    assert.ok(
      channels.some((channel) => channel.startsWith('tessera:{alpha}:socket.io')),
      `alpha's adapter channels: ${channels.join(' ')}`,
    );
    assert.ok(
      channels.some((channel) => channel.startsWith('tessera:{beta}:socket.io')),
      `beta's adapter channels: ${channels.join(' ')}`,
    );
    assert.ok(!channels.some((channel) => channel.startsWith('socket.io')), `a channel shared by every release: ${channels.join(' ')}`);
    assert.ok(patterns >= 2);

    // Every message published on beta's adapter channels, whatever its room.
    const spy = new Redis(redis.url);
    const onBeta: string[] = [];
    spy.on('pmessage', (_pattern: string, channel: string) => onBeta.push(channel));
    await spy.psubscribe('tessera:{beta}:socket.io*');

    const a = new ReplicaClient(alpha.gatewayUrls[0]!);
    const b = new ReplicaClient(beta.gatewayUrls[0]!);
    clients.push(a, b);
    await Promise.all([a.ready(), b.ready()]);
    const seqsBefore = b.seqs.length;
    assert.ok((await a.place(10, 20, 5)).ok);
    await waitFor(() => a.replica.colorAt(10, 20) === 5, { timeoutMs: 5_000, message: "the pixel at alpha's player" });
    // Two more writer ticks at beta for anything stray to arrive.
    await sleep(1_200);
    spy.disconnect();
    assert.equal(b.replica.colorAt(10, 20), 0, "beta's canvas took alpha's pixel");
    assert.deepEqual(b.seqs.slice(seqsBefore).length, 0, "beta's player got a delta nobody placed on beta");
    assert.deepEqual(onBeta, [], "alpha's broadcast reached beta's adapter channels");
  });
});

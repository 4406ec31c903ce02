import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { requireBuilt, startRedis, waitFor, type RedisServer } from '../../test-support/index.js';
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
    // Alpha's broadcast is published by now. Redis hands each subscriber its messages in the order it
    // took the publishes, so anything stray on beta's channels reaches the spy before a marker
    // published after it, and beta's gateway before beta's own next delta: wait for those two.
    const marker = new Redis(redis.url);
    await marker.publish('tessera:{beta}:socket.io-marker', 'marker');
    marker.disconnect();
    await waitFor(() => onBeta.includes('tessera:{beta}:socket.io-marker'), { timeoutMs: 5_000, message: 'the marker at the spy' });
    spy.disconnect();
    assert.deepEqual(onBeta.slice(0, onBeta.indexOf('tessera:{beta}:socket.io-marker')), [], "alpha's broadcast reached beta's adapter channels");
    assert.ok((await b.place(11, 21, 6)).ok);
    await waitFor(() => b.replica.colorAt(11, 21) === 6, { timeoutMs: 5_000, message: "beta's own pixel at beta's player" });
    assert.equal(b.replica.colorAt(10, 20), 0, "beta's canvas took alpha's pixel");
    assert.equal(b.seqs.slice(seqsBefore).length, 1, "beta's player got a delta beyond the one of its own pixel");
  });
});

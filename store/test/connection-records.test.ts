// Who connected from where (record-connection-2.lua) against a real Redis: first and last seen per
// address, display names, the cap on addresses per user, and simultaneous connections of one user.
import assert from 'node:assert/strict';
import { canvasKeys } from '@tessera/protocol';
import type { Redis } from 'ioredis';
import { useRedis } from '../../test-support/index.js';
import { readDisplayNames, readSessions, recordConnection } from '../src/index.js';

describe('recording who connected from where', function () {
  this.timeout(20_000);
  const server = useRedis();
  let counter = 0;
  const canvas = () => `records${++counter}`;
  // The harness's client, opened on first use and closed with the server.
  let redis: Redis;
  beforeEach(() => {
    redis = server.client;
  });

  it('keeps the first time an address was seen and moves the last, per address, newest first', async () => {
    const canvasId = canvas();
    const record = (address: string, at: number) => recordConnection(redis, canvasId, { userId: 'u1', displayName: undefined, address, at });
    assert.equal(await record('10.0.0.1', 1_000), true);
    await record('10.0.0.1', 5_000);
    await record('2001:db8::/64', 3_000);
    assert.deepEqual(await readSessions(redis, canvasId, 'u1'), [
      { address: '10.0.0.1', firstSeen: 1_000, lastSeen: 5_000 },
      { address: '2001:db8::/64', firstSeen: 3_000, lastSeen: 3_000 },
    ]);
    assert.ok((await redis.ttl(canvasKeys(canvasId).userSessions('u1'))) > 29 * 24 * 3600, 'kept for 30 days');
  });

  it("keeps an account's display name and records none for a guest", async () => {
    const canvasId = canvas();
    await recordConnection(redis, canvasId, { userId: 'acct', displayName: 'Ada', address: '10.0.0.2', at: 1 });
    await recordConnection(redis, canvasId, { userId: 'g_guest', displayName: undefined, address: '10.0.0.2', at: 1 });
    assert.deepEqual([...(await readDisplayNames(redis, canvasId, ['acct', 'g_guest']))], [['acct', 'Ada']]);
  });

  it('stops recording new addresses at 200 per user but still moves the last seen of known ones', async () => {
    const canvasId = canvas();
    const key = canvasKeys(canvasId).userSessions('bot');
    await redis.hset(key, Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`10.1.${i >> 8}.${i & 255}`, '1:1'])));
    assert.equal(await recordConnection(redis, canvasId, { userId: 'bot', displayName: undefined, address: '10.9.9.9', at: 7 }), false);
    assert.equal(await recordConnection(redis, canvasId, { userId: 'bot', displayName: undefined, address: '10.1.0.5', at: 7 }), true);
    assert.equal(await redis.hlen(key), 200);
    assert.equal(await redis.hget(key, '10.1.0.5'), '1:7');
  });

  it('restarts a value it cannot read (written by hand) at now, and survives simultaneous connections', async () => {
    const canvasId = canvas();
    const key = canvasKeys(canvasId).userSessions('u2');
    await redis.hset(key, '10.0.0.3', 'garbage');
    await recordConnection(redis, canvasId, { userId: 'u2', displayName: undefined, address: '10.0.0.3', at: 9 });
    assert.equal(await redis.hget(key, '10.0.0.3'), '9:9');
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => recordConnection(redis, canvasId, { userId: 'u2', displayName: undefined, address: '10.0.0.4', at: 100 + i })),
    );
    assert.equal(await redis.hget(key, '10.0.0.4'), '100:119', 'first seen from the first, last seen from the last');
  });
});

import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { useRedis } from '../../test-support/index.js';
import { connectPlayer, startGateway, type RunningGateway } from './support/gateway-harness.js';

/**
 * A crowd arriving at a gateway that has just started: every script runs for the first time on
 * its connections while auto-pipelining batches the handshakes' commands. A script defined after
 * a pipeline opened used to leave ioredis without a reply (an uncaught TypeError, handshakes that
 * never finished); every script is now defined when the client is created.
 */
describe('a crowd at a freshly started gateway', function () {
  this.timeout(30_000);
  const redis = useRedis();
  let gateway: RunningGateway | undefined;
  afterEach(async () => {
    await gateway?.close();
    gateway = undefined;
  });

  it('welcomes every one of 20 simultaneous first handshakes, with an empty script cache', async () => {
    const admin = new Redis(redis.url);
    await admin.script('FLUSH');
    admin.disconnect();
    gateway = await startGateway(redis.url);
    const players = await Promise.all(Array.from({ length: 20 }, () => connectPlayer(gateway!.url)));
    try {
      assert.equal(players.length, 20);
      assert.ok(players.every(({ welcome }) => typeof welcome.userId === 'string' && welcome.config.width > 0));
    } finally {
      for (const { socket } of players) socket.close();
    }
  });
});

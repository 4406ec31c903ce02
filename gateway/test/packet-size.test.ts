import assert from 'node:assert/strict';
import { canvasKeys, ErrorCode } from '@tessera/protocol';
import { Redis } from 'ioredis';
import { useRedis } from '../../test-support/index.js';
import { startJwks } from './support/admin-harness.js';
import { connectPlayer, startGateway, type RunningGateway } from './support/gateway-harness.js';
import { RawEngineClient } from './support/raw-engine-client.js';

const keys = canvasKeys('main');

/** A `place` event with ack id `id`, as an engine.io frame; `padding` spaces make it larger but still valid JSON. */
const placeFrame = (id: number, pixel: { x: number; y: number; color: number }, padding = 0): string =>
  `42${id}["place",${JSON.stringify(pixel)}${' '.repeat(padding)}]`;

describe('packet size limits', () => {
  const redisServer = useRedis();
  let redis: Redis;
  let gateway: RunningGateway;
  let jwks: Awaited<ReturnType<typeof startJwks>>;
  const clients: RawEngineClient[] = [];

  before(async () => {
    redis = new Redis(redisServer.url);
    redis.on('error', () => undefined);
    jwks = await startJwks();
    gateway = await startGateway(redisServer.url, {
      CANVAS_WIDTH: '64',
      CANVAS_HEIGHT: '64',
      AUTH_JWKS_URL: jwks.url,
      AUTH_JWT_ISSUER: 'https://issuer.test',
      AUTH_JWT_AUDIENCE: 'tessera',
    });
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.terminate();
  });
  after(async () => {
    await gateway.close();
    await jwks.close();
    redis.disconnect();
  });

  /** A raw client that joined the namespace as a new guest and was welcomed. */
  const joined = async (): Promise<RawEngineClient> => {
    const client = await RawEngineClient.open(gateway.url);
    clients.push(client);
    client.send('40');
    await client.next((frame) => frame.startsWith('42["welcome"'));
    return client;
  };
  const pixel = async (x: number, y: number): Promise<number> => (await redis.getBuffer(keys.chunk(0, 0)))?.[y * 256 + x] ?? 0;

  it('refuses an oversized place followed by a tiny packet in the same read, and writes nothing for it', async () => {
    const client = await joined();
    const big = placeFrame(1, { x: 1, y: 1, color: 3 }, 300);
    assert.ok(big.length - 1 > 256, 'the first packet is over the place limit');
    const lengthBefore = await redis.xlen(keys.events);
    client.sendTogether(big, placeFrame(2, { x: 2, y: 1, color: 3 }));
    assert.deepEqual(await client.ack(1), { ok: false, error: ErrorCode.PayloadTooLarge });
    assert.equal(((await client.ack(2)) as { ok: boolean }).ok, true);
    assert.equal(await pixel(1, 1), 0, 'the oversized placement landed');
    assert.equal(await pixel(2, 1), 3);
    assert.equal(await redis.xlen(keys.events), lengthBefore + 1);
  });

  it('accepts a small valid place read together with a big packet, in either order', async () => {
    const client = await joined();
    const noise = `42["noise","${'z'.repeat(2_000)}"]`;
    client.sendTogether(placeFrame(3, { x: 3, y: 1, color: 4 }), noise);
    assert.equal(((await client.ack(3)) as { ok: boolean }).ok, true);
    client.sendTogether(noise, placeFrame(4, { x: 4, y: 1, color: 4 }), placeFrame(5, { x: 5, y: 1, color: 4 }, 300), placeFrame(6, { x: 6, y: 1, color: 4 }));
    assert.equal(((await client.ack(4)) as { ok: boolean }).ok, true);
    assert.deepEqual(await client.ack(5), { ok: false, error: ErrorCode.PayloadTooLarge });
    assert.equal(((await client.ack(6)) as { ok: boolean }).ok, true);
    assert.deepEqual([await pixel(3, 1), await pixel(4, 1), await pixel(5, 1), await pixel(6, 1)], [4, 4, 0, 4]);
  });

  it('closes a connection whose event is over the hard message limit, although engine.io would take it', async () => {
    const client = await joined();
    client.send(`42["place",{"x":1,"y":1,"color":"${'c'.repeat(5_000)}"}]`);
    await client.closed;
  });

  it('closes a connection whose CONNECT is over its own limit', async () => {
    const client = await RawEngineClient.open(gateway.url);
    clients.push(client);
    client.send(`40{"token":"${'t'.repeat(10_300)}"}`);
    await client.closed;
  });

  it('takes a CONNECT carrying an 8 KB identity token', async () => {
    let pad = 6_000;
    let token = await jwks.sign({ sub: 'big-token', pad: 'p'.repeat(pad) });
    while (token.length > 8_192) token = await jwks.sign({ sub: 'big-token', pad: 'p'.repeat((pad -= 50)) });
    assert.ok(token.length > 8_000, `token of ${token.length} characters`);
    const player = await connectPlayer(gateway.url, { idToken: token });
    assert.equal(player.welcome.userId, 'a_big-token');
    player.socket.close();
  });
});

import assert from 'node:assert/strict';
import { canvasKeys, ErrorCode, type PlaceResult } from '@tessera/protocol';
import { Redis } from 'ioredis';
import { useRedis } from '../../test-support/index.js';
import { connectPlayer, startGateway, type Player, type RunningGateway } from './support/gateway-harness.js';

const keys = canvasKeys('main');

describe('placing a pixel', () => {
  const redisServer = useRedis();
  let redis: Redis;
  let gateway: RunningGateway;
  const players: Player[] = [];

  const place = (player: Player, payload: unknown): Promise<PlaceResult> => player.socket.timeout(3000).emitWithAck('place', payload);
  const newPlayer = async (auth: Record<string, unknown> = {}): Promise<Player> => {
    const player = await connectPlayer(gateway.url, auth);
    players.push(player);
    return player;
  };
  const streamLength = (): Promise<number> => redis.xlen(keys.events);

  before(async () => {
    redis = new Redis(redisServer.url, { lazyConnect: false });
    redis.on('error', () => undefined); // the server stops before this client in teardown
    gateway = await startGateway(redisServer.url, { CANVAS_WIDTH: '300', CANVAS_HEIGHT: '200', CANVAS_COOLDOWN_MS: '0' });
  });
  afterEach(() => {
    for (const player of players.splice(0)) player.socket.close();
  });
  after(async () => {
    await gateway.close();
    redis.disconnect();
  });

  it('writes the colour into its chunk and appends one event', async () => {
    const player = await newPlayer();
    const result = await place(player, { x: 257, y: 3, color: 7 });
    assert.equal(result.ok, true);
    const chunk = await redis.getBuffer(keys.chunk(1, 0));
    assert.equal(chunk?.[3 * 256 + 1], 7);
    const [entry] = await redis.xrevrange(keys.events, '+', '-', 'COUNT', 1);
    assert.ok(result.ok && entry?.[0] === result.eventId);
    // `p`: the colour it replaced (the background here), what a revert puts back.
    assert.deepEqual(entry[1], ['x', '257', 'y', '3', 'c', '7', 'u', player.welcome.userId, 'p', '0']);
  });

  it('welcomes a new guest with a signed session that identifies it again on reconnect', async () => {
    const first = await newPlayer();
    assert.ok(first.welcome.sessionToken);
    const again = await newPlayer({ token: first.welcome.sessionToken });
    assert.equal(again.welcome.userId, first.welcome.userId);
    assert.equal(again.welcome.sessionToken, undefined);
    assert.equal(again.welcome.config.width, 300);
  });

  it('refuses a forged or tampered session token', async () => {
    const first = await newPlayer();
    const token = first.welcome.sessionToken!;
    // Another user id under the same signature (a different last character, whatever it was).
    const tampered = token.replace(/\.([^.]+)\.(\d+)\./, (_whole, user: string, at: string) => `.${user.slice(0, -1)}${user.endsWith('x') ? 'y' : 'x'}.${at}.`);
    assert.notEqual(tampered, token);
    await assert.rejects(connectPlayer(gateway.url, { token: tampered }), { message: ErrorCode.Unauthorized });
    await assert.rejects(connectPlayer(gateway.url, { token: 42 }), { message: ErrorCode.Unauthorized });
    await assert.rejects(connectPlayer(gateway.url, { idToken: 'not-configured' }), { message: ErrorCode.Unauthorized });
  });

  describe('refusals write nothing', () => {
    let before: { length: number; chunks: string };
    const snapshot = async () => ({
      length: await streamLength(),
      chunks: JSON.stringify(await Promise.all([0, 1].flatMap((cx) => [0].map((cy) => redis.getBuffer(keys.chunk(cx, cy)))))),
    });
    beforeEach(async () => {
      before = await snapshot();
    });
    afterEach(async () => {
      assert.deepEqual(await snapshot(), before, 'a refused placement changed Redis');
    });

    it('refuses coordinates outside the canvas', async () => {
      const player = await newPlayer();
      assert.deepEqual(await place(player, { x: 300, y: 0, color: 1 }), { ok: false, error: ErrorCode.OutOfBounds });
      assert.deepEqual(await place(player, { x: 0, y: 200, color: 1 }), { ok: false, error: ErrorCode.OutOfBounds });
      assert.deepEqual(await place(player, { x: 99_999, y: 0, color: 1 }), { ok: false, error: ErrorCode.OutOfBounds });
      assert.deepEqual(await place(player, { x: -1, y: 0, color: 1 }), { ok: false, error: ErrorCode.OutOfBounds });
    });

    it('refuses a colour outside the palette', async () => {
      const player = await newPlayer();
      assert.deepEqual(await place(player, { x: 1, y: 1, color: 32 }), { ok: false, error: ErrorCode.InvalidColor });
      assert.deepEqual(await place(player, { x: 1, y: 1, color: 256 }), { ok: false, error: ErrorCode.InvalidColor });
    });

    it('refuses wrong types and shapes', async () => {
      const player = await newPlayer();
      const bad: unknown[] = [
        null,
        'x=1,y=1',
        [1, 1, 1],
        { x: '1', y: 1, color: 1 },
        { x: 1.5, y: 1, color: 1 },
        { x: 1, y: 1, color: true },
        { x: 1, y: 1 },
        { x: 1, y: 1, color: 1, extra: 0 },
        { x: { $gt: 0 }, y: 1, color: 1 },
        { x: 1e300, y: 1, color: 1 },
      ];
      for (const payload of bad) {
        const result = await place(player, payload);
        assert.equal(result.ok, false, `accepted ${JSON.stringify(payload)}`);
        assert.ok(!result.ok && [ErrorCode.InvalidPayload, ErrorCode.OutOfBounds].includes(result.error as never), JSON.stringify(result));
      }
      // Two arguments before the acknowledgement is not a place event either.
      const twoArgs: unknown = await player.socket.timeout(3000).emitWithAck('place', { x: 1, y: 1, color: 1 }, 'extra');
      assert.deepEqual(twoArgs, { ok: false, error: ErrorCode.InvalidPayload });
    });

    it('answers an oversized payload with PAYLOAD_TOO_LARGE', async () => {
      const player = await newPlayer();
      const result = await place(player, { x: 1, y: 1, color: 'c'.repeat(400) });
      assert.deepEqual(result, { ok: false, error: ErrorCode.PayloadTooLarge });
    });

    it('closes a connection that sends a message beyond the hard size limit', async () => {
      const player = await newPlayer();
      const closed = new Promise<string>((resolve) => player.socket.once('disconnect', resolve));
      player.socket.emit('place', { x: 1, y: 1, color: 'c'.repeat(10_000) }, () => undefined);
      assert.match(await closed, /transport (close|error)/);
    });

    it('refuses a placement on a paused canvas', async () => {
      const player = await newPlayer();
      await redis.hset(keys.config, 'paused', '1');
      try {
        assert.deepEqual(await place(player, { x: 1, y: 1, color: 1 }), { ok: false, error: ErrorCode.Paused });
      } finally {
        await redis.hset(keys.config, 'paused', '0');
      }
    });

    it('refuses a banned user', async () => {
      const player = await newPlayer();
      await redis.hset(keys.bans, player.welcome.userId, '0');
      assert.deepEqual(await place(player, { x: 1, y: 1, color: 1 }), { ok: false, error: ErrorCode.Banned });
    });

    it('ignores events without an acknowledgement and unknown events, and keeps the socket', async () => {
      const player = await newPlayer();
      player.socket.emit('place', { x: 1, y: 1, color: 1 });
      player.socket.emit('paint' as never, { x: 1, y: 1, color: 1 });
      assert.equal((await place(player, { x: 999, y: 1, color: 1 })).ok, false);
      assert.equal(player.socket.connected, true);
    });

    it('rate-limits a flood from one socket and finally disconnects it', async () => {
      const player = await newPlayer();
      const kicked = new Promise<string>((resolve) => player.socket.once('kicked', resolve));
      const results = await Promise.all(Array.from({ length: 100 }, () => place(player, { x: 5000, y: 1, color: 1 }).catch(() => undefined)));
      const limited = results.filter((result) => result && !result.ok && result.error === ErrorCode.RateLimited);
      assert.ok(limited.length >= 30, `only ${limited.length} of 100 were rate limited`);
      assert.equal(await kicked, ErrorCode.RateLimited);
    });
  });

  describe('with a cooldown', () => {
    let cooled: RunningGateway;
    before(async () => {
      await redis.hset(keys.config, 'cooldownMs', '60000');
      cooled = await startGateway(redisServer.url);
    });
    after(async () => {
      await redis.hset(keys.config, 'cooldownMs', '0');
      await cooled.close();
    });

    it('refuses a second placement inside the cooldown and says when it ends', async () => {
      const player = await connectPlayer(cooled.url);
      players.push(player);
      const first = await place(player, { x: 10, y: 10, color: 2 });
      assert.ok(first.ok);
      const lengthAfterFirst = await streamLength();
      const second = await place(player, { x: 11, y: 10, color: 2 });
      assert.ok(!second.ok && second.error === ErrorCode.Cooldown);
      assert.ok(second.retryAt !== undefined && Math.abs(second.retryAt - first.nextAt) < 50, `${second.retryAt} vs ${first.nextAt}`);
      assert.equal(await streamLength(), lengthAfterFirst);
      assert.equal((await redis.getBuffer(keys.chunk(0, 0)))?.[10 * 256 + 11] ?? 0, 0);
    });

    it('cools down a second guest on the same address', async () => {
      const first = await connectPlayer(cooled.url);
      const second = await connectPlayer(cooled.url);
      players.push(first, second);
      await redis.del(keys.ipCooldown('127.0.0.1'));
      assert.ok((await place(first, { x: 20, y: 20, color: 2 })).ok);
      const refused = await place(second, { x: 21, y: 20, color: 2 });
      assert.ok(!refused.ok && refused.error === ErrorCode.Cooldown);
    });

    it('tells a reconnecting player how long its cooldown still runs', async () => {
      const player = await connectPlayer(cooled.url);
      players.push(player);
      await redis.del(keys.ipCooldown('127.0.0.1'));
      const placed = await place(player, { x: 30, y: 30, color: 2 });
      assert.ok(placed.ok);
      const again = await connectPlayer(cooled.url, { token: player.welcome.sessionToken });
      players.push(again);
      assert.ok(Math.abs(again.welcome.cooldownUntil - placed.nextAt) < 100);
    });
  });
});

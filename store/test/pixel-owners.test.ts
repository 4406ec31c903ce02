import assert from 'node:assert/strict';
import { canvasKeys } from '@tessera/protocol';
import { Redis } from 'ioredis';
import { useRedis } from '../../test-support/index.js';
import { createCanvasIfMissing, createPixelPlacer, paintRegion, readPixelOwner, resizeCanvas, restoreCanvas } from '../src/index.js';

const PALETTE = ['#ffffff', '#000000', '#ff0000', '#00ff00', '#0000ff', '#ffff00'];

describe('the pixel-ownership index', function () {
  this.timeout(30_000);
  const server = useRedis();
  let redis: Redis;
  let counter = 0;

  async function canvas(width = 300, height = 300) {
    const canvasId = `own${++counter}`;
    await createCanvasIfMissing(redis, canvasId, { width, height, palette: PALETTE, cooldownMs: 0 });
    return { canvasId, keys: canvasKeys(canvasId), placer: createPixelPlacer(redis, canvasId, 100_000) };
  }
  const placement = (x: number, y: number, color: number, userId: string) => ({ x, y, color, userId, ip: '127.0.0.1', applyIpCooldown: false });

  before(() => {
    redis = new Redis(server.url);
  });
  after(() => redis.disconnect());

  it('writes owners the same way on both sides of user number 2^21 (one 64-bit write below it, two 32-bit writes from it)', async () => {
    const { canvasId, keys, placer } = await canvas();
    // The next users get 2^21 - 1, 2^21 and 2^21 + 1.
    await redis.hset(keys.userNumbers, 'next', 2 ** 21 - 2);
    const before = Math.floor(Date.now() / 1000);
    for (const [x, user] of [
      [10, 'g_below'],
      [11, 'g_at'],
      [12, 'g_above'],
    ] as const) {
      assert.equal((await placer.place(placement(x, 7, 2, user))).ok, true);
    }
    assert.deepEqual(await Promise.all(['g_below', 'g_at', 'g_above'].map((user) => redis.hget(keys.userNumbers, `id:${user}`))), [
      String(2 ** 21 - 1),
      String(2 ** 21),
      String(2 ** 21 + 1),
    ]);
    for (const [x, user] of [
      [10, 'g_below'],
      [11, 'g_at'],
      [12, 'g_above'],
    ] as const) {
      const record = await readPixelOwner(redis, canvasId, x, 7);
      assert.equal(record.userId, user, `owner of (${x}, 7)`);
      assert.ok(record.placedAt! >= before * 1000 && record.placedAt! <= Date.now(), `placed-at of (${x}, 7)`);
    }
  });

  it('always names the user of the newest event of each pixel, through placements and admin paints', async () => {
    const { canvasId, keys, placer } = await canvas();
    const users = ['g_a', 'g_b', 'a_c', 'g_d'];
    // A small area straddling four chunks, so pixels are placed over many times.
    for (let i = 0; i < 1500; i++) {
      const x = 250 + Math.floor(Math.random() * 12);
      const y = 250 + Math.floor(Math.random() * 12);
      const outcome = await placer.place(placement(x, y, Math.floor(Math.random() * PALETTE.length), users[i % users.length]!));
      assert.equal(outcome.ok, true);
      if (i === 700)
        await paintRegion(
          redis,
          canvasId,
          { x: 252, y: 252, width: 6, height: 6 },
          { fill: 0 },
          { userId: 'admin:alice', streamMaxLength: 100_000, refuseWhileRemapping: false },
        );
    }
    const newest = new Map<string, { user: string; color: number; ms: number }>();
    for (const [id, fields] of (await redis.xrange(keys.events, '-', '+')) as [string, string[]][]) {
      const values = Object.fromEntries(fields.flatMap((_, i) => (i % 2 === 0 ? [[fields[i], fields[i + 1]]] : []))) as {
        x: string;
        y: string;
        u?: string;
        c: string;
      };
      newest.set(`${values.x},${values.y}`, { user: values.u!, color: Number(values.c), ms: Number(id.split('-')[0]) });
    }
    assert.ok(newest.size > 100);
    for (let x = 250; x < 262; x++) {
      for (let y = 250; y < 262; y++) {
        const record = await readPixelOwner(redis, canvasId, x, y);
        const last = newest.get(`${x},${y}`);
        assert.equal(record.userId, last?.user, `owner of (${x}, ${y})`);
        assert.equal(record.color, last?.color ?? 0, `colour of (${x}, ${y})`);
        if (last) assert.equal(record.placedAt, Math.floor(last.ms / 1000) * 1000);
      }
    }
  });

  it('records in each event the colour it replaced', async () => {
    const { keys, placer } = await canvas();
    await placer.place(placement(1, 1, 3, 'g_a'));
    await placer.place(placement(1, 1, 5, 'g_b'));
    const entries = (await redis.xrange(keys.events, '-', '+')) as [string, string[]][];
    assert.deepEqual(
      entries.map(([, fields]) => fields.slice(-2)),
      [
        ['p', '0'],
        ['p', '3'],
      ],
    );
  });

  it('forgets every owner when a snapshot is restored', async () => {
    const { canvasId, keys, placer } = await canvas();
    await placer.place(placement(10, 10, 2, 'g_a'));
    await placer.place(placement(290, 290, 2, 'g_a'));
    const hash = await redis.hgetall(keys.config);
    const outcome = await restoreCanvas(redis, canvasId, { configHash: hash, chunks: [{ cx: 0, cy: 0, bytes: new Uint8Array(256 * 256).fill(1) }] });
    assert.equal(outcome.restored, true);
    assert.deepEqual(await readPixelOwner(redis, canvasId, 10, 10), { color: 1, userId: undefined, placedAt: undefined });
    assert.equal((await readPixelOwner(redis, canvasId, 290, 290)).userId, undefined);
    assert.equal(await redis.exists(keys.owners(0, 0), keys.owners(1, 1)), 0);
  });

  it('clears the owners a shrink erases, in edge chunks too, and keeps those inside', async () => {
    const { canvasId, keys, placer } = await canvas();
    await placer.place(placement(100, 100, 2, 'g_in'));
    await placer.place(placement(199, 199, 2, 'g_edge_in'));
    await placer.place(placement(200, 100, 2, 'g_edge_out'));
    await placer.place(placement(280, 280, 2, 'g_gone'));
    const version = Number(await redis.hget(keys.config, 'version'));
    const shrunk = await resizeCanvas(redis, canvasId, { width: 300, height: 300, version }, { width: 200, height: 200 }, { actor: 'test', details: {} });
    assert.equal(shrunk.kind, 'resized');
    await resizeCanvas(redis, canvasId, { width: 200, height: 200, version: version + 1 }, { width: 300, height: 300 }, { actor: 'test', details: {} });
    assert.equal((await readPixelOwner(redis, canvasId, 100, 100)).userId, 'g_in');
    assert.equal((await readPixelOwner(redis, canvasId, 199, 199)).userId, 'g_edge_in');
    assert.equal((await readPixelOwner(redis, canvasId, 200, 100)).userId, undefined);
    assert.equal((await readPixelOwner(redis, canvasId, 280, 280)).userId, undefined);
    assert.equal(await redis.exists(keys.owners(1, 1)), 0, 'a chunk wholly outside loses its owners string');
  });
});

import assert from 'node:assert/strict';
import { canvasKeys } from '@tessera/protocol';
import { Redis } from 'ioredis';
import { useRedis } from '../../test-support/index.js';
import { createCanvasIfMissing, createPixelPlacer, planRevert, runRevert } from '../src/index.js';

const PALETTE = ['#ffffff', '#000000', '#ff0000', '#00ff00', '#0000ff', '#ffff00'];

describe('reverting a user in the store', function () {
  this.timeout(180_000);
  const server = useRedis();
  let redis: Redis;
  let counter = 0;

  async function canvas() {
    const canvasId = `rev${++counter}`;
    await createCanvasIfMissing(redis, canvasId, { width: 600, height: 600, palette: PALETTE, cooldownMs: 0 });
    return { canvasId, keys: canvasKeys(canvasId), placer: createPixelPlacer(redis, canvasId, 100_000) };
  }
  const placement = (x: number, y: number, color: number, userId: string) => ({ x, y, color, userId, ip: '127.0.0.1', applyIpCooldown: false });
  const options = (userId: string, dryRun: boolean) => ({ userId, adminUserId: 'admin:alice', streamMaxLength: 100_000, dryRun });

  before(() => {
    redis = new Redis(server.url);
  });
  after(() => redis.disconnect());

  it('puts back thousands of pixels over several script calls and chunks, exactly', async () => {
    const { canvasId, keys, placer } = await canvas();
    // 2,100 pixels in chunk (0, 0), more than one script call takes, and a few in chunk (1, 1).
    const square = Array.from({ length: 2100 }, (_, i) => [i % 50, Math.floor(i / 50)] as const);
    const pixels = [...square, ...Array.from({ length: 10 }, (_, i) => [260 + i, 300] as const)];
    for (let i = 0; i < 100; i++) await placer.place(placement(pixels[i * 7]![0], pixels[i * 7]![1], 1 + (i % 5), 'g_artist'));
    const before = await canvasBytes(keys);
    const since = Date.now();
    for (let from = 0; from < pixels.length; from += 300) {
      await Promise.all(pixels.slice(from, from + 300).map(([x, y]) => placer.place(placement(x, y, 5, 'g_griefer'))));
    }
    const plan = await planRevert(redis, canvasId, 'g_griefer', since);
    assert.equal(plan.pixels.size, pixels.length);
    const preview = await runRevert(redis, canvasId, plan, options('g_griefer', true));
    // Pixels of art already coloured 5 do not change.
    const unchanged = [...plan.pixels.values()].filter((pixel) => pixel.color === 5).length;
    assert.deepEqual([preview.kind, preview.changed, preview.skipped], ['done', pixels.length - unchanged, 0]);
    const done = await runRevert(redis, canvasId, plan, options('g_griefer', false));
    assert.deepEqual([done.kind, done.changed], ['done', pixels.length - unchanged]);
    assert.deepEqual(await canvasBytes(keys), before);
  });

  it('changes nothing while a palette remap rewrites the canvas', async () => {
    const { canvasId, keys, placer } = await canvas();
    const since = Date.now();
    await placer.place(placement(1, 1, 3, 'g_griefer'));
    const plan = await planRevert(redis, canvasId, 'g_griefer', since);
    // What begin-palette-remap-3.lua sets while another gateway rewrites the chunks.
    await redis.hset(keys.config, 'remapping', '1');
    const outcome = await runRevert(redis, canvasId, plan, options('g_griefer', false));
    assert.deepEqual([outcome.kind, outcome.changed], ['remapping', 0]);
    assert.equal((await redis.getBuffer(keys.chunk(0, 0)))?.[256 + 1], 3);
  });

  it('reverts nothing for a user who never placed, or a window after their placements', async () => {
    const { canvasId, placer } = await canvas();
    await placer.place(placement(1, 1, 3, 'g_a'));
    const none = await planRevert(redis, canvasId, 'g_nobody', 0);
    assert.equal(none.pixels.size, 0);
    const later = await planRevert(redis, canvasId, 'g_a', Date.now() + 1000);
    assert.equal(later.pixels.size, 0);
    assert.deepEqual(await runRevert(redis, canvasId, none, options('g_nobody', false)), { kind: 'done', changed: 0, skipped: 0, lastEventId: undefined });
  });

  async function canvasBytes(keys: ReturnType<typeof canvasKeys>): Promise<string[]> {
    const out: string[] = [];
    for (const [cx, cy] of [
      [0, 0],
      [1, 0],
      [0, 1],
      [1, 1],
    ] as const)
      out.push((await redis.getBuffer(keys.chunk(cx, cy)))?.toString('hex').replace(/(00)+$/, '') ?? '');
    return out;
  }
});

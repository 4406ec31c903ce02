import assert from 'node:assert/strict';
import { canvasKeys, chunkOf, ErrorCode, LIMITS } from '@tessera/protocol';
import { Redis } from 'ioredis';
import { useRedis } from '../../test-support/index.js';
import {
  banAddress,
  banUser,
  createBatchingPixelPlacer,
  createCanvasIfMissing,
  createPixelPlacer,
  loadScripts,
  packPixel,
  placementFailureCode,
  readPixelOwner,
  type PixelPlacer,
  type PlacementOutcome,
  type PlacementRequest,
} from '../src/index.js';

const PALETTE = ['#ffffff', '#000000', '#ff0000', '#00ff00', '#0000ff', '#ffff00'];
const AUDIT = { actor: 'admin:test', details: {} };

describe('placing a batch of pixels in one script call', function () {
  this.timeout(30_000);
  const server = useRedis();
  let redis: Redis;
  let counter = 0;

  async function canvas(cooldownMs = 0, width = 600, height = 600) {
    const canvasId = `batch${++counter}`;
    await createCanvasIfMissing(redis, canvasId, { width, height, palette: PALETTE, cooldownMs });
    return {
      canvasId,
      keys: canvasKeys(canvasId),
      batched: createBatchingPixelPlacer(redis, canvasId, 100_000),
      single: createPixelPlacer(redis, canvasId, 100_000),
    };
  }
  const request = (x: number, y: number, color: number, userId: string, extra: Partial<PlacementRequest> = {}): PlacementRequest => ({
    x,
    y,
    color,
    userId,
    ip: '10.0.0.1',
    applyIpCooldown: false,
    ...extra,
  });
  /** Asks for every placement in the same turn, so they travel as one batch. */
  const placeTogether = (placer: PixelPlacer, requests: readonly PlacementRequest[]) => Promise.all(requests.map((r) => placer.place(r)));
  const kind = (outcome: PlacementOutcome) => (outcome.ok ? 'accepted' : outcome.error);
  async function events(key: string) {
    const entries = (await redis.xrange(key, '-', '+')) as [string, string[]][];
    return entries.map(
      ([, fields]) => Object.fromEntries(fields.flatMap((_, i) => (i % 2 === 0 ? [[fields[i], fields[i + 1]]] : []))) as Record<string, string | undefined>,
    );
  }

  before(async () => {
    redis = new Redis(server.url);
    await loadScripts(redis); // as a gateway does at start: script calls are counted below
  });
  after(() => redis.disconnect());

  it('sends the placements of one turn as one call; the one-at-a-time placer sends a call each, at once', async () => {
    const { batched, single } = await canvas();
    for (const [placer, calls] of [
      [batched, 1],
      [single, 50],
    ] as const) {
      const before = await scriptCalls(redis);
      const outcomes = await placeTogether(
        placer,
        Array.from({ length: 50 }, (_, i) => request(i, i, 1, `g_u${i}`)),
      );
      assert.deepEqual(outcomes.map(kind), Array(50).fill('accepted'));
      assert.equal((await scriptCalls(redis)) - before, calls);
    }
  });

  it('answers each placement of a mixed batch by its own rules, in order', async () => {
    const { canvasId, keys, batched, single } = await canvas(60_000, 600, 300);
    await banUser(redis, canvasId, { userId: 'g_banned', durationMs: 0, reason: 'test' }, AUDIT);
    await banAddress(redis, canvasId, { prefix: '10.9.9.0/24', durationMs: 0, reason: 'test' }, AUDIT);
    const cooled = await single.place(request(0, 0, 1, 'g_cooled'));
    assert.equal(cooled.ok, true);
    const outcomes = await placeTogether(batched, [
      request(1, 1, 2, 'g_a'),
      request(2, 2, 2, 'g_cooled'),
      request(3, 3, 2, 'g_banned'),
      request(4, 4, 2, 'g_addr', { addressPrefixes: ['10.9.9.0/24', '10.9.0.0/16'] }),
      request(5, 500, 2, 'g_tall'),
      request(6, 6, PALETTE.length, 'g_color'),
      request(300, 200, 3, 'g_b'),
    ]);
    assert.deepEqual(outcomes.map(kind), [
      'accepted',
      ErrorCode.Cooldown,
      ErrorCode.Banned,
      ErrorCode.Banned,
      ErrorCode.OutOfBounds,
      ErrorCode.InvalidColor,
      'accepted',
    ]);
    const waiting = outcomes[1]!;
    assert.ok(!waiting.ok && cooled.ok && waiting.retryAt === cooled.nextAt, `the cooldown answer says when it ends: ${JSON.stringify([waiting, cooled])}`);
    for (const outcome of outcomes) assert.equal(outcome.configVersion, cooled.configVersion);
    // Only the two accepted placements wrote anything: pixel, event and owner.
    const written = await events(keys.events);
    assert.deepEqual(
      written.map((e) => [e.x, e.y, e.c, e.u]),
      [
        ['0', '0', '1', 'g_cooled'],
        ['1', '1', '2', 'g_a'],
        ['300', '200', '3', 'g_b'],
      ],
    );
    assert.equal((await readPixelOwner(redis, canvasId, 300, 200)).userId, 'g_b');
    assert.equal((await readPixelOwner(redis, canvasId, 2, 2)).userId, undefined);
  });

  it('refuses the same user a second time in one batch by the cooldown the first set', async () => {
    const { batched, keys } = await canvas(30_000);
    const [first, second, other] = await placeTogether(batched, [request(10, 10, 1, 'g_twice'), request(11, 11, 2, 'g_twice'), request(12, 12, 3, 'g_once')]);
    assert.ok(first?.ok && other?.ok);
    assert.ok(second && !second.ok && second.error === ErrorCode.Cooldown && second.retryAt === first.nextAt);
    assert.deepEqual(
      (await events(keys.events)).map((e) => e.u),
      ['g_twice', 'g_once'],
    );
  });

  it('cools down a second guest on the same address within the batch', async () => {
    const { batched } = await canvas(30_000);
    const guest = { applyIpCooldown: true, ip: '10.1.2.3' };
    const outcomes = await placeTogether(batched, [
      request(1, 1, 1, 'g_one', guest),
      request(2, 2, 1, 'g_two', guest),
      request(3, 3, 1, 'a_account', { ip: '10.1.2.3' }),
    ]);
    assert.deepEqual(outcomes.map(kind), ['accepted', ErrorCode.Cooldown, 'accepted']);
  });

  /**
   * Twin canvases, one placed through batches of up to 100 and one through a call per placement
   * (a batch of one): every outcome, chunk byte, event and owner must agree, so grouping the reads
   * and writes of a batch changes nothing.
   */
  async function placeOnTwins(cooldownMs: number, requests: readonly PlacementRequest[]) {
    const a = await canvas(cooldownMs, 700, 520);
    const b = await canvas(cooldownMs, 700, 520);
    for (const twin of [a, b]) {
      await banUser(redis, twin.canvasId, { userId: 'g_u3', durationMs: 0, reason: 'test' }, AUDIT);
      await banAddress(redis, twin.canvasId, { prefix: '10.0.66.0/24', durationMs: 0, reason: 'test' }, AUDIT);
    }
    const batchedOutcomes: PlacementOutcome[] = [];
    for (let i = 0; i < requests.length; i += 100) batchedOutcomes.push(...(await placeTogether(a.batched, requests.slice(i, i + 100))));
    const singleOutcomes: PlacementOutcome[] = [];
    for (const r of requests) singleOutcomes.push(await b.single.place(r));
    assert.deepEqual(batchedOutcomes.map(kind), singleOutcomes.map(kind));
    const strip = (list: Record<string, string | undefined>[]) => list.map(({ x, y, c, u, p }) => ({ x, y, c, u, p }));
    assert.deepEqual(strip(await events(a.keys.events)), strip(await events(b.keys.events)));
    for (const [cx, cy] of [
      [0, 0],
      [1, 0],
      [0, 1],
      [1, 1],
      [2, 1],
      [2, 2],
    ] as const) {
      assert.deepEqual(await redis.getBuffer(a.keys.chunk(cx, cy)), await redis.getBuffer(b.keys.chunk(cx, cy)), `chunk ${cx},${cy}`);
    }
    for (const r of requests.slice(0, 80)) {
      const [ownerA, ownerB] = await Promise.all([readPixelOwner(redis, a.canvasId, r.x, r.y), readPixelOwner(redis, b.canvasId, r.x, r.y)]);
      assert.equal(ownerA.userId, ownerB.userId);
      assert.equal(ownerA.color, ownerB.color);
    }
    return batchedOutcomes;
  }
  let seed = 7;
  const random = (n: number) => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) % n;

  it('lands exactly what the same placements one call each would, across chunks', async () => {
    // A few pixels placed over many times, straddling four chunks, plus some out of bounds.
    const requests = Array.from({ length: 400 }, () => request(250 + random(460), 250 + random(280), random(PALETTE.length + 1), `g_u${random(6)}`));
    const outcomes = await placeOnTwins(0, requests);
    assert.ok(outcomes.filter((o) => o.ok).length > 200);
    assert.ok(outcomes.some((o) => !o.ok && o.error === ErrorCode.OutOfBounds));
    assert.ok(outcomes.some((o) => !o.ok && o.error === ErrorCode.Banned));
  });

  it('judges cooldowns, guests sharing an address and address bans as one call each would', async () => {
    const requests = Array.from({ length: 300 }, () => {
      const guest = random(2) === 0;
      const user = `${guest ? 'g' : 'a'}_c${random(120)}`;
      const ip = `10.0.${random(3) === 0 ? 66 : random(4)}.${random(3)}`;
      return request(240 + random(40), 240 + random(40), random(PALETTE.length), user, {
        ip,
        applyIpCooldown: guest,
        addressPrefixes: [ip.replace(/\.\d+$/, '.0/24'), ip.replace(/\.\d+\.\d+$/, '.0.0/16')],
      });
    });
    const outcomes = await placeOnTwins(60_000, requests);
    const kinds = new Set(outcomes.map(kind));
    for (const expected of ['accepted', ErrorCode.Cooldown, ErrorCode.Banned] as const) assert.ok(kinds.has(expected), `some placement is ${expected}`);
  });

  it('refuses the whole batch on a paused or missing canvas', async () => {
    const { keys, batched } = await canvas();
    await redis.hset(keys.config, 'paused', '1');
    const paused = await placeTogether(batched, [request(1, 1, 1, 'g_a'), request(2, 2, 1, 'g_b')]);
    assert.deepEqual(paused.map(kind), [ErrorCode.Paused, ErrorCode.Paused]);
    const missing = await placeTogether(createBatchingPixelPlacer(redis, 'nosuchcanvas', 100_000), [request(1, 1, 1, 'g_a')]);
    assert.deepEqual(missing.map(kind), [ErrorCode.CanvasUnavailable]);
    assert.equal(await redis.xlen(keys.events), 0);
  });

  it('splits more placements than the batch limit into several calls', async () => {
    const { canvasId } = await canvas();
    const placer = createBatchingPixelPlacer(redis, canvasId, 100_000, { maxBatch: 8 });
    const before = await scriptCalls(redis);
    const outcomes = await placeTogether(
      placer,
      Array.from({ length: 20 }, (_, i) => request(i, 0, 1, `g_s${i}`)),
    );
    assert.deepEqual(outcomes.map(kind), Array(20).fill('accepted'));
    assert.equal((await scriptCalls(redis)) - before, 3);
    assert.throws(() => createBatchingPixelPlacer(redis, canvasId, 100_000, { maxBatch: 0 }), /maxBatch/);
  });

  it('carries the far corner of the largest canvas and the last colour of the largest palette through the packed arguments', async () => {
    const side = LIMITS.maxCanvasSide;
    const canvasId = `batch${++counter}`;
    const palette = Array.from({ length: LIMITS.maxPaletteSize }, (_, i) => `#${i.toString(16).padStart(2, '0')}0000`);
    await createCanvasIfMissing(redis, canvasId, { width: side, height: side, palette, cooldownMs: 0 });
    const batched = createBatchingPixelPlacer(redis, canvasId, 100_000);
    const corners = [
      request(side - 1, side - 1, LIMITS.maxPaletteSize - 1, 'g_corner', { applyIpCooldown: true }),
      request(0, side - 1, 1, 'g_corner2'),
      request(side - 1, 0, 0, 'g_corner3'),
    ];
    assert.deepEqual((await placeTogether(batched, corners)).map(kind), ['accepted', 'accepted', 'accepted']);
    assert.deepEqual(
      (await events(canvasKeys(canvasId).events)).map(({ x, y, c, u }) => [x, y, c, u]),
      corners.map((r) => [String(r.x), String(r.y), String(r.color), r.userId]),
    );
    const { cx, cy, offset } = chunkOf(side - 1, side - 1);
    const chunk = await redis.getBuffer(canvasKeys(canvasId).chunk(cx, cy));
    assert.equal(chunk?.[offset], LIMITS.maxPaletteSize - 1, 'the pixel holds the last colour');
  });

  it('fails alone a placement the packing cannot carry, and places the rest of its turn', async () => {
    const { batched, keys } = await canvas();
    const [good, bad, other] = await Promise.allSettled([
      batched.place(request(1, 1, 1, 'g_ok1')),
      batched.place(request(LIMITS.maxCanvasSide, 1, 1, 'g_bad')),
      batched.place(request(2, 1, 1, 'g_ok2')),
    ]);
    assert.deepEqual([good.status, bad.status, other.status], ['fulfilled', 'rejected', 'fulfilled']);
    assert.ok(bad.status === 'rejected' && bad.reason instanceof RangeError);
    assert.equal(await redis.xlen(keys.events), 2);
  });

  it('refuses to pack what the protocol never lets through, rather than placing elsewhere', () => {
    for (const bad of [
      { x: LIMITS.maxCanvasSide, y: 0, color: 0 },
      { x: 0, y: -1, color: 0 },
      { x: 0, y: 0, color: LIMITS.maxPaletteSize },
      { x: 1.5, y: 0, color: 0 },
    ]) {
      assert.throws(() => packPixel({ ...bad, applyIpCooldown: false }), RangeError, JSON.stringify(bad));
    }
    assert.throws(() => packPixel({ x: 0, y: 0, color: 0, applyIpCooldown: false }, 65_536), RangeError, 'the chunk index too');
    assert.equal(packPixel({ x: 16_383, y: 16_383, color: 255, applyIpCooldown: true }, 65_535), Number.MAX_SAFE_INTEGER, 'the largest fits a double exactly');
    assert.equal(packPixel({ x: 3, y: 2, color: 5, applyIpCooldown: true }), ((2 * LIMITS.maxCanvasSide + 3) * 256 + 5) * 2 + 1);
  });

  it('fails only the batch Redis refused, each placement with CANVAS_UNAVAILABLE, and places the next', async () => {
    const { keys, batched } = await canvas();
    const admin = new Redis(server.url);
    try {
      await admin.config('SET', 'maxmemory', '1');
      const refused = await Promise.allSettled([batched.place(request(1, 1, 1, 'g_a')), batched.place(request(2, 2, 1, 'g_b'))]);
      for (const result of refused) {
        assert.equal(result.status, 'rejected');
        assert.equal(placementFailureCode(result.reason), ErrorCode.CanvasUnavailable);
      }
      assert.equal(await redis.xlen(keys.events), 0, 'a refused batch writes nothing');
    } finally {
      await admin.config('SET', 'maxmemory', '0');
      admin.disconnect();
    }
    const next = await placeTogether(batched, [request(3, 3, 1, 'g_c')]);
    assert.deepEqual(next.map(kind), ['accepted']);
  });
});

/** How many scripts Redis has run (INFO commandstats: EVALSHA, or EVAL after a NOSCRIPT). */
async function scriptCalls(redis: Redis): Promise<number> {
  const stats = await redis.info('commandstats');
  const calls = (command: string) => Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
  return calls('evalsha') + calls('eval');
}

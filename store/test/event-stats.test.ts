import assert from 'node:assert/strict';
import { canvasKeys, type StreamPosition } from '@tessera/protocol';
import { addCanvasLoads, foldStatsBatch, readEventStats, recordEventStats } from '@tessera/store';
import { Redis } from 'ioredis';
import { useRedis } from '../../test-support/index.js';

const at = (ms: number, seq = 0): StreamPosition => ({ ms, seq });
const T = 1_764_000_000_000; // a minute boundary

describe('the event stats in Redis', () => {
  const server = useRedis();
  let redis: Redis;
  let counter = 0;
  before(() => {
    redis = new Redis(server.url);
  });
  after(() => redis.disconnect());
  const canvas = () => `stats-store-${++counter}`;

  it('fold a batch: admin events are not placements, accounts are signed in, by minute and second of stream time', () => {
    const batch = foldStatsBatch([
      { position: at(T + 10), userId: 'g_a' },
      { position: at(T + 900), userId: 'g_a' },
      { position: at(T + 1_100), userId: 'a_sub' },
      { position: at(T + 61_000), userId: 'a_sub' },
      { position: at(T + 61_001), userId: 'admin:ops' },
      { position: at(T + 61_002), userId: '' },
    ]);
    assert.equal(batch.placements, 5);
    assert.deepEqual(batch.users, ['g_a', 'a_sub']);
    assert.deepEqual(batch.signedInUsers, ['a_sub']);
    assert.deepEqual(batch.minutes, [
      [T, 3],
      [T + 60_000, 2],
    ]);
    assert.deepEqual(batch.seconds, [
      [T, 2],
      [T + 1_000, 1],
      [T + 61_000, 2],
    ]);
  });

  it('add a batch only where the stats stand, and say what is in the way otherwise', async () => {
    const id = canvas();
    const batch = foldStatsBatch([{ position: at(T + 5), userId: 'g_a' }]);
    assert.deepEqual(await recordEventStats(redis, id, at(0), at(T + 5), batch), { kind: 'counted' });
    assert.deepEqual(await recordEventStats(redis, id, at(0), at(T + 5), batch), { kind: 'already-counted', cursor: at(T + 5) });
    assert.deepEqual(await recordEventStats(redis, id, at(T + 1), at(T + 5), batch), { kind: 'already-counted', cursor: at(T + 5) });
    assert.deepEqual(await recordEventStats(redis, id, at(T + 9), at(T + 20), batch), { kind: 'elsewhere', cursor: at(T + 5) });
    assert.deepEqual(await recordEventStats(redis, id, at(T + 2), at(T + 20), batch), { kind: 'elsewhere', cursor: at(T + 5) });
    assert.equal((await readEventStats(redis, id)).placements, 1);
    await assert.rejects(recordEventStats(redis, id, at(T + 5), at(T + 5), batch), /must end after it starts/);
    await assert.rejects(recordEventStats(redis, id, at(T + 6), at(T + 5), batch), /must end after it starts/);
  });

  it('take a batch of 50,000 distinct users in one call (PFADD in slices)', async () => {
    const id = canvas();
    const events = Array.from({ length: 50_000 }, (_, i) => ({ position: at(T + i), userId: i % 2 ? `a_${i}` : `g_${i}` }));
    const startedAt = performance.now();
    assert.equal((await recordEventStats(redis, id, at(0), at(T + 49_999), foldStatsBatch(events))).kind, 'counted');
    const ms = performance.now() - startedAt;
    const stats = await readEventStats(redis, id);
    assert.equal(stats.placements, 50_000);
    assert.ok(Math.abs(stats.uniqueUsers - 50_000) < 50_000 * 0.03, `${stats.uniqueUsers} unique (HyperLogLog)`);
    assert.ok(Math.abs(stats.signedInUsers - 25_000) < 25_000 * 0.03, `${stats.signedInUsers} signed in`);
    assert.equal(stats.peakPlacementsPerSecond.value, 1_000);
    if (process.env.TESSERA_FIGURES) console.log(`      50,000 placements by 50,000 users recorded in ${ms.toFixed(0)} ms`);
  });

  it('keep the peak second across batches that split it, and only the last minutes of seconds', async () => {
    const id = canvas();
    await recordEventStats(redis, id, at(0), at(T + 400), foldStatsBatch(Array.from({ length: 3 }, (_, i) => ({ position: at(T + 100 + i), userId: 'g_a' }))));
    await recordEventStats(
      redis,
      id,
      at(T + 400),
      at(T + 900),
      foldStatsBatch(Array.from({ length: 3 }, (_, i) => ({ position: at(T + 800 + i), userId: 'g_a' }))),
    );
    await recordEventStats(redis, id, at(T + 900), at(T + 300_000), foldStatsBatch([{ position: at(T + 300_000), userId: 'g_b' }]));
    const stats = await readEventStats(redis, id);
    assert.deepEqual(stats.peakPlacementsPerSecond, { value: 6, at: T });
    assert.deepEqual(await redis.hkeys(canvasKeys(id).statsPlacementsPerSecond), [String(T + 300_000)]);
  });

  it('add canvas loads by minute, refuse nonsense counts, and skip what something else wrote', async () => {
    const id = canvas();
    await addCanvasLoads(
      redis,
      id,
      new Map([
        [T, 3],
        [T + 60_000, 2],
      ]),
    );
    await addCanvasLoads(redis, id, new Map());
    await assert.rejects(addCanvasLoads(redis, id, new Map([[T, -1]])), /bad canvas-load count/);
    await assert.rejects(addCanvasLoads(redis, id, new Map([[1.5, 1]])), /bad canvas-load count/);
    await redis.hset(canvasKeys(id).statsLoadsPerMinute, 'junk', 'x', String(T + 120_000), 'many');
    await redis.hset(canvasKeys(id).stats, 'cursor', 'not-a-position', 'placements', '-4');
    const stats = await readEventStats(redis, id);
    assert.equal(stats.canvasLoads, 5);
    assert.equal(stats.placements, 0);
    assert.equal(stats.countedThrough, '0-0');
    assert.deepEqual(
      stats.perMinute.map((minute) => [minute.minute, minute.canvasLoads]),
      [
        [T, 3],
        [T + 60_000, 2],
        [T + 120_000, 0],
      ],
    );
  });
});

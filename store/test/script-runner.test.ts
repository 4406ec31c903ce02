// Scripts run by EVALSHA with EVAL as the fallback, against a real Redis: the SHA1 is the one Redis
// computes, a flushed script cache costs one EVAL and never a second run, in a placement batch's
// pipeline too.
import assert from 'node:assert/strict';
import { canvasKeys } from '@tessera/protocol';
import { Redis } from 'ioredis';
import { useRedis } from '../../test-support/index.js';
import { callScript, createBatchingPixelPlacer, createCanvasIfMissing, SCRIPTS, scriptOf, type ScriptName } from '../src/index.js';

const PALETTE = ['#ffffff', '#000000', '#ff0000'];

describe('running the Lua scripts', function () {
  this.timeout(20_000);
  const server = useRedis();
  let redis: Redis;
  before(() => {
    redis = new Redis(server.url);
  });
  after(() => redis.disconnect());

  async function calls(): Promise<{ evalsha: number; eval: number }> {
    const stats = await redis.info('commandstats');
    const count = (command: string) => Number(new RegExp(`^cmdstat_${command}:calls=(\\d+)`, 'm').exec(stats)?.[1] ?? 0);
    return { evalsha: count('evalsha'), eval: count('eval') };
  }

  it('knows each script by the SHA1 Redis gives it', async () => {
    for (const name of Object.keys(SCRIPTS) as ScriptName[]) {
      const script = scriptOf(name);
      assert.equal(await redis.script('LOAD', script.lua), script.sha, name);
    }
  });

  it('runs a script Redis has forgotten by EVAL, once, then by EVALSHA again', async () => {
    await redis.script('FLUSH');
    const key = canvasKeys('runner').guestSessions('10.0.0.1');
    const before = await calls();
    const [first] = await callScript<[number, number]>(redis, 'tesseraCountInWindow', [key, 60_000]);
    const afterFirst = await calls();
    const [second] = await callScript<[number, number]>(redis, 'tesseraCountInWindow', [key, 60_000]);
    const afterSecond = await calls();
    assert.deepEqual([first, second], [1, 2], 'counted once per call: the refused EVALSHA did not run');
    assert.equal(afterFirst.eval - before.eval, 1, 'the forgotten script went as EVAL');
    assert.equal(afterSecond.eval - afterFirst.eval, 0, 'and was cached by it');
    assert.equal(afterSecond.evalsha - afterFirst.evalsha, 1);
  });

  it('answers bulk replies as Buffers when asked', async () => {
    await createCanvasIfMissing(redis, 'buffers', { width: 4, height: 4, palette: PALETTE, cooldownMs: 0 });
    const keys = canvasKeys('buffers');
    await redis.set(keys.chunk(0, 0), Buffer.from([0x12, 0x00]));
    const reply = await callScript<unknown[]>(redis, 'tesseraReadCanvas', [3, keys.config, keys.events, keys.chunk(0, 0), 1, 1], 'buffers');
    assert.ok(
      reply.some((part) => Buffer.isBuffer(part) && part[0] === 0x12),
      'the chunk came back as bytes',
    );
  });

  it('places a batch once when the pipeline with WAIT finds the script cache empty', async () => {
    await createCanvasIfMissing(redis, 'flushed', { width: 100, height: 10, palette: PALETTE, cooldownMs: 0 });
    // replicas: 1 on a master without one sends the script in a pipeline with WAIT (it falls short,
    // which is not what this checks: only that the batch ran exactly once).
    const placer = createBatchingPixelPlacer(redis, 'flushed', 100_000, { replicas: 1, replicaTimeoutMs: 20 });
    await redis.script('FLUSH');
    const requests = [1, 2, 3].map((x) => ({ x, y: 0, color: 2, userId: `g_${x}`, ip: '10.0.0.1', applyIpCooldown: false }));
    await Promise.allSettled(requests.map((request) => placer.place(request)));
    assert.equal(await redis.xlen(canvasKeys('flushed').events), 3, 'three events: the batch ran once');
  });
});

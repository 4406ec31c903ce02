import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { canvasKeys } from '@tessera/protocol';
import { getFreePort, getProbe, useMainProcesses, useRedis, waitFor } from '../../test-support/index.js';
import { createTestCanvas, freshCanvasId, placeRandom } from './support/harness.js';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

describe('the writer process (dist/main.js)', function () {
  this.timeout(15_000);
  const mains = useMainProcesses(MAIN, 'npx tsc -b writer');
  const server = useRedis();

  it('refuses to start with a message naming every bad variable', async () => {
    const child = mains.start({ TICK_MS: 'fast', LOCK_TTL_MS: '10', DELTA_WIRE_FORMAT: 'xml', REDIS_URL: 'nope' });
    assert.equal(await child.exited, 1);
    for (const name of ['TICK_MS', 'LOCK_TTL_MS', 'DELTA_WIRE_FORMAT', 'REDIS_URL']) assert.match(child.output(), new RegExp(name));
  });

  it('leads, serves probes and metrics, and hands the lock back on SIGTERM', async () => {
    const canvasId = freshCanvasId();
    const placer = await createTestCanvas(server.client, canvasId);
    const port = await getFreePort();
    const child = mains.start({
      REDIS_URL: server.url,
      CANVAS_ID: canvasId,
      HTTP_PORT: String(port),
      TICK_MS: '100',
      WRITER_ID: 'child-writer',
      LOG_LEVEL: 'warn',
    });
    await waitFor(async () => (await getProbe(port, '/readyz')).status === 200, { timeoutMs: 5_000, message: 'ready' });
    assert.equal((await getProbe(port, '/healthz')).status, 200);
    await waitFor(async () => (await server.client.get(canvasKeys(canvasId).writerLock)) === 'child-writer', { message: 'the lock' });
    await placeRandom(placer, { count: 20, width: 600, height: 300 });
    await waitFor(async () => /tessera_writer_deltas_total\{[^}]*\} [1-9]/.test((await getProbe(port, '/metrics')).body), {
      message: 'a delta in the metrics',
    });
    const metrics = (await getProbe(port, '/metrics')).body;
    assert.match(metrics, /tessera_writer_is_leader\{[^}]*\} 1/);
    assert.match(metrics, /tessera_writer_tick_duration_seconds_bucket/);
    child.process.kill('SIGTERM');
    assert.equal(await child.exited, 0, child.output());
    assert.equal(await server.client.exists(canvasKeys(canvasId).writerLock), 0, 'the lock was released');
  });
});

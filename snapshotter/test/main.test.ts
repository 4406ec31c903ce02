import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { canvasKeys } from '@tessera/protocol';
import { getFreePort, getProbe, useMainProcesses, useRedis, useS3, waitFor } from '../../test-support/index.js';
import { createTestCanvas, dumpCanvas, freshCanvasId, placeRandom } from './support/harness.js';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

describe('the snapshotter process (dist/main.js)', function () {
  this.timeout(20_000);
  const mains = useMainProcesses(MAIN, 'npx tsc -b snapshotter');
  const server = useRedis();
  const s3 = useS3();

  it('refuses to start with a message naming every bad variable', async () => {
    const child = mains.start({ SNAPSHOT_INTERVAL_MS: 'often', S3_ENDPOINT: 'minio', HTTP_PORT: '-1' });
    assert.equal(await child.exited, 1);
    for (const name of ['S3_BUCKET', 'SNAPSHOT_INTERVAL_MS', 'S3_ENDPOINT', 'HTTP_PORT']) assert.match(child.output(), new RegExp(name));
  });

  it('snapshots on schedule, stops on SIGTERM, and restores everything into an emptied Redis before it is ready', async () => {
    const canvasId = freshCanvasId();
    await placeRandom(await createTestCanvas(server.client, canvasId), { count: 300, width: 600, height: 300 });
    const original = await dumpCanvas(server.client, canvasId);
    const env = { ...s3.env, REDIS_URL: server.url, CANVAS_ID: canvasId, SNAPSHOT_INTERVAL_MS: '300', LOG_LEVEL: 'warn' };

    const port = await getFreePort();
    const first = mains.start({ ...env, HTTP_PORT: String(port) });
    await waitFor(async () => (await getProbe(port, '/readyz')).status === 200, { timeoutMs: 10_000, message: 'ready' });
    await waitFor(async () => /tessera_snapshot_bytes\{[^}]*kind="binary"[^}]*\} [1-9]/.test((await getProbe(port, '/metrics')).body), {
      timeoutMs: 10_000,
      message: 'a snapshot in the metrics',
    });
    const metrics = (await getProbe(port, '/metrics')).body;
    for (const name of [
      'tessera_snapshot_duration_seconds_bucket',
      'tessera_snapshot_last_success_timestamp_seconds',
      'tessera_history_events_archived_total',
    ]) {
      assert.match(metrics, new RegExp(name));
    }
    first.process.kill('SIGTERM');
    assert.equal(await first.exited, 0, first.output());

    // Redis loses everything: the canvas, the queue, the schedule.
    await server.client.flushall();
    const secondPort = await getFreePort();
    const second = mains.start({ ...env, HTTP_PORT: String(secondPort) });
    await waitFor(async () => (await getProbe(secondPort, '/readyz').catch(() => ({ status: 0 }))).status === 200, {
      timeoutMs: 10_000,
      message: 'ready again',
    });
    const restored = await dumpCanvas(server.client, canvasId);
    assert.deepEqual(restored.chunks, original.chunks);
    assert.equal(restored.config.palette, original.config.palette);
    assert.ok(Number(restored.config.version) > Number(original.config.version));
    assert.equal(await server.client.exists(canvasKeys(canvasId).config), 1);
    second.process.kill('SIGTERM');
    assert.equal(await second.exited, 0, second.output());
  });
});

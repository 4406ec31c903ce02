import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { canvasKeys } from '@tessera/protocol';
import { Redis } from 'ioredis';
import { getFreePort, useRedis, waitFor } from '../../test-support/index.js';
import { createTestCanvas, freshCanvasId, placeRandom } from './support/harness.js';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

interface Child {
  readonly process: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

function startMain(env: Record<string, string>): Child {
  const child = spawn(process.execPath, [MAIN], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { process: child, output: () => output, exited };
}

async function get(port: number, path: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: response.status, body: await response.text() };
}

describe('the writer process (dist/main.js)', function () {
  this.timeout(15_000);
  const server = useRedis();
  let redis: Redis;
  const children: Child[] = [];

  before(function () {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: build first (npx tsc -b writer)`);
    redis = new Redis(server.url);
  });
  after(() => {
    for (const child of children) child.process.kill('SIGKILL');
    redis.disconnect();
  });

  it('refuses to start with a message naming every bad variable', async () => {
    const child = startMain({ TICK_MS: 'fast', LOCK_TTL_MS: '10', DELTA_WIRE_FORMAT: 'xml', REDIS_URL: 'nope' });
    children.push(child);
    assert.equal(await child.exited, 1);
    for (const name of ['TICK_MS', 'LOCK_TTL_MS', 'DELTA_WIRE_FORMAT', 'REDIS_URL']) assert.match(child.output(), new RegExp(name));
  });

  it('leads, serves probes and metrics, and hands the lock back on SIGTERM', async () => {
    const canvasId = freshCanvasId();
    const placer = await createTestCanvas(redis, canvasId);
    const port = await getFreePort();
    const child = startMain({
      REDIS_URL: server.url,
      CANVAS_ID: canvasId,
      HTTP_PORT: String(port),
      TICK_MS: '100',
      WRITER_ID: 'child-writer',
      LOG_LEVEL: 'warn',
    });
    children.push(child);
    await waitFor(async () => (await get(port, '/readyz')).status === 200, { timeoutMs: 5_000, message: 'ready' });
    assert.equal((await get(port, '/healthz')).status, 200);
    await waitFor(async () => (await redis.get(canvasKeys(canvasId).writerLock)) === 'child-writer', { message: 'the lock' });
    await placeRandom(placer, { count: 20, width: 600, height: 300 });
    await waitFor(async () => /tessera_writer_deltas_total\{[^}]*\} [1-9]/.test((await get(port, '/metrics')).body), { message: 'a delta in the metrics' });
    const metrics = (await get(port, '/metrics')).body;
    assert.match(metrics, /tessera_writer_is_leader\{[^}]*\} 1/);
    assert.match(metrics, /tessera_writer_tick_duration_seconds_bucket/);
    child.process.kill('SIGTERM');
    assert.equal(await child.exited, 0, child.output());
    assert.equal(await redis.exists(canvasKeys(canvasId).writerLock), 0, 'the lock was released');
  });
});

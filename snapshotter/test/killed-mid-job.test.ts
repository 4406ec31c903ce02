import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { canvasKeys } from '@tessera/protocol';
import { Queue } from 'bullmq';
import { getFreePort, getProbe, useMainProcesses, useRedis, useS3, waitFor, type MainProcess } from '../../test-support/index.js';
import { SNAPSHOT_QUEUE_PREFIX, snapshotQueueName } from '../src/snapshot-jobs.js';
import { createTestCanvas, freshCanvasId, PALETTE } from './support/harness.js';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
// Large enough that a snapshot takes a while (a job can be caught running), small enough for CI.
const SIDE = 2048;
const INTERVAL_MS = 500;
const LOCK_MS = 2_000;
const STALLED_CHECK_MS = 1_000;
const ROUNDS = 3;

describe('a snapshotter killed in the middle of a job (two processes from dist/)', function () {
  this.timeout(120_000);
  const mains = useMainProcesses(MAIN, 'npx tsc -b snapshotter');
  const server = useRedis();
  const s3 = useS3();

  /** A snapshotter on a probe port of its own. */
  async function startMain(env: Record<string, string>): Promise<MainProcess & { port: number }> {
    const port = await getFreePort();
    return { ...mains.start({ ...env, HTTP_PORT: String(port) }), port };
  }

  it('holds the schedule back only until its lock lapses, and the age check tells', async () => {
    const canvasId = freshCanvasId();
    const placer = await createTestCanvas(server.client, canvasId, SIDE, SIDE);
    const keys = canvasKeys(canvasId);
    // Random content in every chunk, so every snapshot encodes megabytes.
    for (let cy = 0; cy < SIDE / 256; cy++) {
      for (let cx = 0; cx < SIDE / 256; cx++) {
        await server.client.set(keys.chunk(cx, cy), Buffer.from(randomBytes(65_536).map((byte) => byte % PALETTE.length)));
      }
    }
    // A placement now and then, so no job is skipped as unchanged.
    let placing = true;
    const placements = (async () => {
      for (let i = 0; placing; i++) {
        await placer.place({ x: i % SIDE, y: 7, color: 1 + (i % 7), userId: 'u', ip: '127.0.0.1', applyIpCooldown: false });
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();

    const env = {
      ...s3.env,
      REDIS_URL: server.url,
      CANVAS_ID: canvasId,
      SNAPSHOT_INTERVAL_MS: String(INTERVAL_MS),
      SNAPSHOT_LOCK_MS: String(LOCK_MS),
      SNAPSHOT_STALLED_CHECK_MS: String(STALLED_CHECK_MS),
      LOG_LEVEL: 'warn',
    };
    const confirmedAt = async (): Promise<number> => Number((await server.client.get(`${keys.prefix}snapshot-confirmed-at`)) ?? 0);
    const queue = new Queue(snapshotQueueName(canvasId), { connection: { host: '127.0.0.1', port: server.port }, prefix: SNAPSHOT_QUEUE_PREFIX });
    const gaps: number[] = [];
    try {
      const running = [await startMain(env), await startMain(env)];
      for (const child of running)
        await waitFor(async () => (await getProbe(child.port, '/readyz').catch(() => ({ status: 0 }))).status === 200, { timeoutMs: 15_000, message: 'ready' });
      await waitFor(async () => (await confirmedAt()) > 0, { timeoutMs: 20_000, message: 'a first snapshot' });

      for (let round = 0; round < ROUNDS; round++) {
        // Catch a job in flight and kill the process that holds it.
        const { victim, previous } = await waitFor(
          async () => {
            const [job] = await queue.getActive();
            const pid = Number(job?.processedBy?.split(':').pop());
            const victim = running.find((child) => child.process.pid === pid);
            if (!victim) return undefined;
            const previous = await confirmedAt();
            victim.process.kill('SIGKILL');
            return { victim, previous };
          },
          { timeoutMs: 20_000, intervalMs: 5, message: 'a job in flight' },
        );
        await victim.exited;
        running.splice(running.indexOf(victim), 1);
        const next = await waitFor(async () => ((await confirmedAt()) > previous ? confirmedAt() : undefined), {
          timeoutMs: 30_000,
          message: 'the next snapshot after the kill',
        });
        gaps.push(next - previous);
        const survivor = running[0]!;
        assert.equal((await getProbe(survivor.port, '/checks/snapshot-age')).status, 200, 'fresh again on the survivor');
        // A replacement, as a Deployment would start.
        const replacement = await startMain(env);
        running.push(replacement);
        await waitFor(async () => (await getProbe(replacement.port, '/readyz').catch(() => ({ status: 0 }))).status === 200, {
          timeoutMs: 15_000,
          message: 'the replacement ready',
        });
      }
      console.log(
        `      longest gap between snapshots after a kill: ${Math.max(...gaps)} ms (gaps ${gaps.join(', ')} ms; lock ${LOCK_MS} ms, stalled check ${STALLED_CHECK_MS} ms, interval ${INTERVAL_MS} ms)`,
      );
      // Lock plus one stalled check, the job that was killed and the one after: nowhere near BullMQ's 30 s + 30 s.
      for (const gap of gaps) assert.ok(gap < INTERVAL_MS + LOCK_MS + 2 * STALLED_CHECK_MS + 6_000, `a gap of ${gap} ms`);

      const metrics = (await getProbe(running[0]!.port, '/metrics')).body;
      const age = Number(/^tessera_snapshot_age_seconds(?:\{[^}]*\})? (\S+)$/m.exec(metrics)?.[1]);
      assert.ok(age >= 0 && age < 10, `tessera_snapshot_age_seconds ${age}`);
    } finally {
      placing = false;
      await placements;
      await queue.close();
    }
  });

  it('fails /checks/snapshot-age (and stays ready) when no snapshot has reached S3 for too long', async () => {
    const canvasId = freshCanvasId();
    await createTestCanvas(server.client, canvasId);
    // An S3 endpoint nobody listens on: every snapshot fails.
    const child = await startMain({
      ...s3.env,
      S3_ENDPOINT: `http://127.0.0.1:${await getFreePort()}`,
      S3_REQUEST_TIMEOUT_MS: '500',
      REDIS_URL: server.url,
      CANVAS_ID: canvasId,
      SNAPSHOT_INTERVAL_MS: '300',
      SNAPSHOT_MAX_AGE_INTERVALS: '3',
      LOG_LEVEL: 'error',
    });
    await waitFor(async () => (await getProbe(child.port, '/readyz').catch(() => ({ status: 0 }))).status === 200, { timeoutMs: 15_000, message: 'ready' });
    const failing = await waitFor(
      async () => {
        const check = await getProbe(child.port, '/checks/snapshot-age');
        return check.status === 503 ? check : undefined;
      },
      { timeoutMs: 15_000, message: 'the age check failing' },
    );
    assert.match(failing.body, /newest snapshot is [\d.]+ s old, over 3 intervals of 300 ms/);
    assert.equal((await getProbe(child.port, '/readyz')).status, 200, 'still ready: S3 trouble must not take it out of service');
    const age = Number(/^tessera_snapshot_age_seconds(?:\{[^}]*\})? (\S+)$/m.exec((await getProbe(child.port, '/metrics')).body)?.[1]);
    assert.ok(age > 0.9, `tessera_snapshot_age_seconds ${age}`);
    assert.equal((await getProbe(child.port, '/checks/nothing')).status, 404);
  });
});

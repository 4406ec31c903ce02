import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { sleep, startS3, useRedis, waitFor, type S3Server } from '../../test-support/index.js';
import { createSnapshotClient } from '../src/snapshot-client.js';
import { canvasKeys } from '@tessera/protocol';
import { createPixelPlacer } from '@tessera/store';
import { buildSnapshotter, createTestCanvas, dumpCanvas, freshCanvasId, placeRandom, type TestSnapshotter } from './support/harness.js';

const WIDTH = 600;
const HEIGHT = 300;

function s3Env(server: S3Server): Record<string, string> {
  return {
    S3_BUCKET: 'tessera',
    S3_ENDPOINT: server.endpoint,
    S3_REGION: server.region,
    S3_FORCE_PATH_STYLE: 'true',
    AWS_ACCESS_KEY_ID: server.accessKeyId,
    AWS_SECRET_ACCESS_KEY: server.secretAccessKey,
  };
}

describe('the snapshot schedule', function () {
  this.timeout(30_000);
  const server = useRedis();
  let redis: Redis;
  let s3: S3Server | undefined;
  let dir: string;
  const started: TestSnapshotter[] = [];

  before(async () => {
    redis = new Redis(server.url);
    redis.on('error', () => undefined);
    dir = mkdtempSync(path.join(os.tmpdir(), 'tessera-snapshot-s3-'));
    s3 = await startS3({ buckets: ['tessera'], dir });
  });
  afterEach(async () => {
    await Promise.all(started.splice(0).map((built) => built.stop()));
  });
  after(async () => {
    await s3?.stop();
    rmSync(dir, { recursive: true, force: true });
    redis.disconnect();
  });

  it('never runs two jobs at once, even with two workers, a fast schedule and on-demand jobs', async () => {
    const canvasId = freshCanvasId();
    const placer = await createTestCanvas(redis, canvasId, WIDTH, HEIGHT);
    const log = `test:{${canvasId}}:runs`;
    // Every start and end goes into one Redis list in the order they happen: an overlap would show
    // as two starts in a row, whatever the clocks say.
    const hooks = (worker: string) => ({
      async onStart(name: string) {
        await redis.rpush(log, `start ${worker} ${name}`);
        await sleep(40); // widen the window an overlap would need
      },
      async onEnd(name: string) {
        await redis.rpush(log, `end ${worker} ${name}`);
      },
    });
    for (const worker of ['a', 'b']) {
      const built = await buildSnapshotter({ redisUrl: server.url, s3Env: s3Env(s3!), canvasId, intervalMs: 100, hooks: hooks(worker) });
      started.push(built);
      await built.snapshotter.start();
    }
    const client = createSnapshotClient({ connection: { host: '127.0.0.1', port: server.port }, canvasId, timeoutMs: 10_000 });
    try {
      const deadline = Date.now() + 3_000;
      while (Date.now() < deadline) {
        await Promise.all([placeRandom(placer, { count: 30, width: WIDTH, height: HEIGHT }), client.takeNow(), client.list()]);
      }
    } finally {
      await client.close();
    }
    await Promise.all(started.splice(0).map((built) => built.stop()));

    const runs = await redis.lrange(log, 0, -1);
    assert.ok(runs.length >= 20, `only ${runs.length / 2} jobs ran`);
    for (let i = 0; i < runs.length; i += 2) {
      const [startWord, worker, name] = runs[i]!.split(' ');
      assert.equal(startWord, 'start', `entry ${i}: ${runs.slice(Math.max(0, i - 2), i + 2).join(' | ')}`);
      assert.equal(runs[i + 1], `end ${worker} ${name}`, `job ${i / 2} overlapped another: ${runs.slice(i, i + 3).join(' | ')}`);
    }
  });

  it('keeps running while S3 is unreachable, retries with backoff, and resumes when S3 returns', async () => {
    const canvasId = freshCanvasId();
    const placer = await createTestCanvas(redis, canvasId, WIDTH, HEIGHT);
    const built = await buildSnapshotter({ redisUrl: server.url, s3Env: s3Env(s3!), canvasId, intervalMs: 200, env: { S3_REQUEST_TIMEOUT_MS: '1000' } });
    started.push(built);
    await built.snapshotter.start();
    const snapshots = () => built.metric('tessera_snapshot_duration_seconds', 'tessera_snapshot_duration_seconds_count');
    await waitFor(async () => (await snapshots()) >= 1, { timeoutMs: 5_000, message: 'a first snapshot' });

    const port = s3!.port;
    await s3!.stop();
    await placeRandom(placer, { count: 100, width: WIDTH, height: HEIGHT });
    await waitFor(async () => (await built.metric('tessera_snapshot_failures_total')) >= 3, { timeoutMs: 10_000, message: 'failed attempts' });
    assert.equal(built.snapshotter.worker.running, true, 'the worker is still running');
    assert.equal(built.snapshotter.readiness(), undefined, 'and still ready: S3 trouble does not stop the canvas');
    const beforeReturn = await snapshots();

    s3 = await startS3({ buckets: ['tessera'], dir, port });
    await waitFor(async () => (await snapshots()) > beforeReturn, { timeoutMs: 15_000, message: 'a snapshot after S3 returned' });
    const latest = await built.snapshotter.service.latest();
    const newest = (await redis.xrevrange(`tessera:{${canvasId}}:events`, '+', '-', 'COUNT', 1))[0]![0];
    assert.equal(latest?.position, newest, 'the placements made during the outage are in the snapshot');
  });

  it('recovers the canvas and the schedule when Redis loses everything while it runs', async () => {
    const canvasId = freshCanvasId();
    await placeRandom(await createTestCanvas(redis, canvasId, WIDTH, HEIGHT), { count: 200, width: WIDTH, height: HEIGHT });
    const original = await dumpCanvas(redis, canvasId);
    // Scheduled jobs only (ids `repeat:<scheduler>:<time>`): the restore's own follow-up snapshot
    // runs outside the queue, so counting every snapshot would count it as the schedule's.
    const scheduledDone: number[] = [];
    const hooks = {
      onEnd(name: string, jobId: string | undefined, outcome: 'completed' | 'failed') {
        if (name === 'snapshot' && jobId?.startsWith('repeat:') && outcome === 'completed') scheduledDone.push(Date.now());
      },
    };
    const built = await buildSnapshotter({ redisUrl: server.url, s3Env: s3Env(s3!), canvasId, intervalMs: 300, hooks });
    started.push(built);
    await built.snapshotter.start();
    await waitFor(() => scheduledDone.length >= 1, { timeoutMs: 5_000, message: 'a first scheduled snapshot' });

    await redis.flushall();
    await waitFor(async () => (await redis.exists(canvasKeys(canvasId).config)) === 1, { timeoutMs: 5_000, message: 'the canvas restored' });
    assert.deepEqual((await dumpCanvas(redis, canvasId)).chunks, original.chunks);
    // The schedule is back: placements made now reach a snapshot that a scheduled job wrote.
    await placeRandom(createPixelPlacer(redis, canvasId, 100_000), { count: 20, width: WIDTH, height: HEIGHT });
    const placedAt = Date.now();
    const newest = (await redis.xrevrange(canvasKeys(canvasId).events, '+', '-', 'COUNT', 1))[0]![0];
    await waitFor(async () => scheduledDone.some((at) => at > placedAt) && (await built.snapshotter.service.latest())?.position === newest, {
      timeoutMs: 8_000,
      message: 'a scheduled snapshot holding the placements made after the wipe',
    });
  });
});

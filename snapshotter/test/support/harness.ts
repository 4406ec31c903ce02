import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { canvasKeys, chunkGrid } from '@tessera/protocol';
import { createLogger, createRedisClient, waitForRedis, type Logger } from '@tessera/runtime';
import { createCanvasIfMissing, createPixelPlacer, type PixelPlacer } from '@tessera/store';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import {
  canvasFolder,
  createS3Client,
  createSnapshotMetrics,
  createSnapshotter,
  loadSnapshotterConfig,
  type JobHooks,
  type SnapshotMetrics,
  type Snapshotter,
  type SnapshotterConfig,
} from '../../src/index.js';
import type { RedisHandle, S3Handle } from '../../../test-support/index.js';

export const testLog: Logger = createLogger('snapshotter-test', (process.env.TEST_LOG_LEVEL as 'silent' | undefined) ?? 'silent');

let canvasCounter = 0;
/** A canvas id of its own for each test, so tests sharing one redis-server and bucket never meet. */
export function freshCanvasId(): string {
  return `s${process.pid}-${++canvasCounter}`;
}

export const PALETTE = ['#ffffff', '#000000', '#ff0000', '#00ff00', '#0000ff', '#ffff00', '#00ffff', '#ff00ff'];

/** Creates a canvas without cooldown and returns a placer for it. */
export async function createTestCanvas(redis: Redis, canvasId: string, width = 600, height = 300): Promise<PixelPlacer> {
  await createCanvasIfMissing(redis, canvasId, { width, height, palette: PALETTE, cooldownMs: 0 });
  return createPixelPlacer(redis, canvasId, 100_000);
}

/** Places `count` random pixels through the real placement script (so each has its stream event). */
export async function placeRandom(placer: PixelPlacer, { count, width, height }: { count: number; width: number; height: number }): Promise<void> {
  for (let placed = 0; placed < count; placed += 50) {
    const burst: Promise<unknown>[] = [];
    for (let i = 0; i < Math.min(50, count - placed); i++) {
      const x = Math.floor(Math.random() * width);
      const y = Math.floor(Math.random() * height);
      const color = Math.floor(Math.random() * PALETTE.length);
      burst.push(
        placer.place({ x, y, color, userId: `user-${i % 7}`, ip: '127.0.0.1', applyIpCooldown: false }).then((outcome) => {
          if (!outcome.ok) throw new Error(`placement refused: ${outcome.error}`);
        }),
      );
    }
    await Promise.all(burst);
  }
}

/** Everything a restore must give back: every chunk key's bytes (missing ones absent) and the config hash. */
export async function dumpCanvas(redis: Redis, canvasId: string): Promise<{ config: Record<string, string>; chunks: Map<string, Buffer> }> {
  const keys = canvasKeys(canvasId);
  const config = await redis.hgetall(keys.config);
  const chunks = new Map<string, Buffer>();
  const { columns, rows } = chunkGrid(Number(config.width ?? 1), Number(config.height ?? 1));
  for (let cy = 0; cy < rows; cy++) {
    for (let cx = 0; cx < columns; cx++) {
      const bytes = await redis.getBuffer(keys.chunk(cx, cy));
      if (bytes) chunks.set(`${cx},${cy}`, bytes);
    }
  }
  return { config, chunks };
}

/** Deletes every key of a canvas (a Redis that lost it). */
export async function wipeCanvas(redis: Redis, canvasId: string): Promise<void> {
  const keys = await redis.keys(`${canvasKeys(canvasId).prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
}

export interface TestSnapshotter {
  readonly snapshotter: Snapshotter;
  readonly metrics: SnapshotMetrics;
  readonly registry: Registry;
  readonly config: SnapshotterConfig;
  /** Value of a metric summed over labels (`series`: e.g. a histogram's `…_count`). */
  metric(name: string, series?: string): Promise<number>;
  stop(): Promise<void>;
}

/** Builds a snapshotter the way main.ts does (config from env, own Redis connections), connected but not started. */
export async function buildSnapshotter(options: {
  redisUrl: string;
  s3Env: Record<string, string>;
  canvasId: string;
  intervalMs?: number;
  hooks?: JobHooks;
  env?: Record<string, string>;
}): Promise<TestSnapshotter> {
  const config = loadSnapshotterConfig({
    ...options.s3Env,
    REDIS_URL: options.redisUrl,
    CANVAS_ID: options.canvasId,
    SNAPSHOT_INTERVAL_MS: String(options.intervalMs ?? 60_000),
    S3_REQUEST_TIMEOUT_MS: '2000',
    CANVAS_WIDTH: '600',
    CANVAS_HEIGHT: '300',
    CANVAS_COOLDOWN_MS: '0',
    ...options.env,
  });
  const registry = new Registry();
  const metrics = createSnapshotMetrics(registry);
  const redis = createRedisClient(config.redis, testLog, { name: 'snapshotter-test' });
  const bullConnection = createRedisClient(config.redis, testLog, { name: 'snapshotter-test-queue', failFast: false, autoPipelining: false });
  await Promise.all([waitForRedis(redis, 5_000), waitForRedis(bullConnection, 5_000)]);
  // The test process's environment has no AWS credentials: hand over the S3 server's.
  const s3 = createS3Client(config.s3, {
    credentials: { accessKeyId: options.s3Env.AWS_ACCESS_KEY_ID ?? '', secretAccessKey: options.s3Env.AWS_SECRET_ACCESS_KEY ?? '' },
  });
  const snapshotter = createSnapshotter({ config, redis, bullConnection, s3, log: testLog, metrics, ...(options.hooks ? { hooks: options.hooks } : {}) });
  let stopped = false;
  return {
    snapshotter,
    metrics,
    registry,
    config,
    async metric(name, series = name) {
      const metric = await registry.getSingleMetric(name)?.get();
      const values = (metric?.values ?? []) as { value: number; metricName?: string }[];
      return values.filter((value) => (value.metricName ?? name) === series).reduce((sum, value) => sum + value.value, 0);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await snapshotter.stop(5_000);
      redis.disconnect();
      bullConnection.disconnect();
      s3.destroy();
    },
  };
}

/** Direct access to the test bucket, to look at and damage what the snapshotter wrote. */
export function bucket(
  s3: S3Handle,
  canvasId: string,
  prefix = 'tessera/',
): {
  client: S3Client;
  get(key: string): Promise<Uint8Array>;
  put(key: string, body: Uint8Array): Promise<void>;
  close(): void;
} {
  const client = new S3Client(s3.clientConfig);
  const folder = canvasFolder(prefix, canvasId);
  const name = s3.env.S3_BUCKET ?? 'tessera';
  return {
    client,
    async get(key) {
      const reply = await client.send(new GetObjectCommand({ Bucket: name, Key: folder + key }));
      return reply.Body!.transformToByteArray();
    },
    async put(key, body) {
      await client.send(new PutObjectCommand({ Bucket: name, Key: folder + key, Body: body }));
    },
    close: () => client.destroy(),
  };
}

export type { RedisHandle, S3Handle };

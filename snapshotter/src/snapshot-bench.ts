/**
 * The snapshot benchmark as a function (`@tessera/snapshotter/bench`): fills a random canvas of
 * the given size in a private canvas id, snapshots it to S3, wipes it from Redis, restores it,
 * checks the restore is exact, and cleans up. Prints nothing; the caller reports the figures.
 */
import { randomBytes } from 'node:crypto';
import { CHUNK_BYTES, CHUNK_SIZE, canvasKeys, chunkGrid, DEFAULT_PALETTE } from '@tessera/protocol';
import { createLogger } from '@tessera/runtime';
import { createCanvasIfMissing } from '@tessera/store';
import { DeleteObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { createSnapshotMetrics } from './metrics.js';
import { createObjectStore, createS3Client } from './object-store.js';
import { canvasFolder } from './snapshot-keys.js';
import type { SnapshotResult } from './snapshot-jobs.js';
import { createSnapshotService } from './snapshot-service.js';

export interface BenchS3 {
  readonly endpoint?: string;
  readonly region?: string;
  readonly bucket: string;
  /** Default true when an endpoint is given. */
  readonly forcePathStyle?: boolean;
  /** Default: the standard AWS chain. */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** Default `bench/`. */
  readonly prefix?: string;
}

export interface BenchSnapshotOptions {
  readonly redisUrl: string;
  readonly s3: BenchS3;
  readonly width: number;
  readonly height: number;
  /** Colours drawn from at random (default 32, r/place 2022's palette). */
  readonly colors?: number;
}

export interface BenchSnapshotResult {
  /** One snapshot job: atomic read, encoding, binary + PNG + pointer writes. */
  readonly snapshotMs: number;
  /** The compressed binary snapshot. */
  readonly bytes: number;
  readonly pngBytes: number;
  /** Restore onto an empty Redis: S3 read, validation, staging and the atomic swap. */
  readonly restoreMs: number;
  /** The measured snapshot's phases (see SnapshotResult). */
  readonly timings: Extract<SnapshotResult, { taken: true }>['timings'];
}

export async function benchSnapshot(options: BenchSnapshotOptions): Promise<BenchSnapshotResult> {
  const { width, height } = options;
  const colors = options.colors ?? DEFAULT_PALETTE.length;
  const canvasId = `bench-${randomBytes(4).toString('hex')}`;
  const keys = canvasKeys(canvasId);
  const redis = new Redis(options.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 2 });
  const log = createLogger('snapshot-bench', 'silent');
  const s3 = createS3Client(
    {
      bucket: options.s3.bucket,
      region: options.s3.region ?? 'us-east-1',
      endpoint: options.s3.endpoint,
      forcePathStyle: options.s3.forcePathStyle ?? options.s3.endpoint !== undefined,
      requestTimeoutMs: 60_000,
    },
    options.s3.credentials ? { credentials: { ...options.s3.credentials } } : {},
  );
  const folder = canvasFolder(options.s3.prefix ?? 'bench/', canvasId);
  const service = createSnapshotService({
    redis,
    objects: createObjectStore(s3, options.s3.bucket, folder),
    canvasId,
    log,
    metrics: createSnapshotMetrics(new Registry()),
    resync: () => Promise.resolve(),
  });
  try {
    await createCanvasIfMissing(redis, canvasId, { width, height, palette: DEFAULT_PALETTE.slice(0, Math.max(2, colors)), cooldownMs: 0 });
    const { columns, rows } = chunkGrid(width, height);
    const original = new Map<string, Buffer>();
    for (let cy = 0; cy < rows; cy++) {
      for (let cx = 0; cx < columns; cx++) {
        // As placements leave it: a chunk is as long as its last written pixel.
        const inside = Math.min(CHUNK_SIZE, height - cy * CHUNK_SIZE) * CHUNK_SIZE;
        const bytes = Buffer.alloc(Math.min(CHUNK_BYTES, inside));
        const noise = randomBytes(bytes.length);
        for (let i = 0; i < bytes.length; i++) bytes[i] = noise[i]! % colors;
        original.set(keys.chunk(cx, cy), bytes);
        await redis.set(keys.chunk(cx, cy), bytes);
      }
    }

    // The first snapshot pays for warming up (JIT, the S3 connection); the second is the one measured.
    const warmUp = await service.take();
    if (!warmUp.taken) throw new Error(`the warm-up snapshot was not taken (${warmUp.reason})`);
    const first = keys.chunk(0, 0);
    const changed = Buffer.from([((original.get(first)?.[0] ?? 0) + 1) % colors]);
    await redis.setrange(first, 0, changed);
    original.get(first)?.set(changed, 0);
    const snapshot = await service.take();
    if (!snapshot.taken) throw new Error(`the benchmark snapshot was not taken (${snapshot.reason})`);

    await redis.del(keys.config, ...original.keys());
    const restored = await service.restoreNewestIfMissing();
    if (restored.status !== 'restored') throw new Error(`the benchmark restore did not run (${restored.status})`);
    for (const [key, bytes] of original) {
      const now = await redis.getBuffer(key);
      if (!now?.equals(bytes)) throw new Error(`the restored chunk ${key} differs from the original`);
    }
    return {
      snapshotMs: snapshot.durationMs,
      bytes: snapshot.bytes,
      pngBytes: snapshot.pngBytes,
      restoreMs: restored.result.durationMs,
      timings: snapshot.timings,
    };
  } finally {
    const chunkKeys = await redis.keys(`${keys.prefix}*`).catch(() => [] as string[]);
    if (chunkKeys.length > 0) await redis.del(...chunkKeys).catch(() => undefined);
    redis.disconnect();
    await removeFolder(s3, options.s3.bucket, folder).catch(() => undefined);
    s3.destroy();
  }
}

async function removeFolder(s3: S3Client, bucket: string, folder: string): Promise<void> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: folder }));
  for (const item of listed.Contents ?? []) if (item.Key) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: item.Key }));
}

import { canvasKeys } from '@tessera/protocol';
import type { RedisConnection } from './redis-connection.js';

/**
 * When a snapshot job last confirmed that S3 holds the canvas, shared by every snapshotter
 * replica (jobs go to whichever is free). Jobs never overlap, so a plain SET keeps the newest.
 */
export async function recordSnapshotConfirmed(redis: RedisConnection, canvasId: string, atMs: number): Promise<void> {
  await redis.set(canvasKeys(canvasId).snapshotConfirmedAt, String(atMs));
}

/** The newest confirmation any replica recorded (epoch ms), or undefined before the first or when unreadable. */
export async function readSnapshotConfirmed(redis: RedisConnection, canvasId: string): Promise<number | undefined> {
  const stored = await redis.get(canvasKeys(canvasId).snapshotConfirmedAt);
  const atMs = stored === null ? Number.NaN : Number(stored);
  return Number.isFinite(atMs) ? atMs : undefined;
}

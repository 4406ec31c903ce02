import assert from 'node:assert/strict';
import { CanvasReplica } from '@tessera/protocol';
import { readCanvas, type RedisConnection } from '@tessera/store';
import { Redis } from 'ioredis';
import { waitFor } from '../../../test-support/index.js';
import type { ReplicaClient } from './replica-client.js';

/** The canvas exactly as Redis holds it, as width×height palette indices. */
export async function redisCanvas(redisUrl: string, canvasId = 'main'): Promise<Uint8Array> {
  const redis = new Redis(redisUrl);
  try {
    const frame = await readCanvas(redis, canvasId);
    assert.ok(frame, 'canvas missing in Redis');
    const replica = new CanvasReplica();
    replica.loadCanvas(frame);
    return replica.toIndexArray();
  } finally {
    redis.disconnect();
  }
}

/** The canvas as a client of any kind (standalone, Sentinel, cluster) reads it from Redis. */
export async function canvasIn(redis: RedisConnection, canvasId = 'main'): Promise<Uint8Array> {
  const frame = await readCanvas(redis, canvasId);
  assert.ok(frame, 'canvas missing in Redis');
  const replica = new CanvasReplica();
  replica.loadCanvas(frame);
  return replica.toIndexArray();
}

/**
 * Waits until every client's canvas equals Redis byte for byte (invariant 4). `redis` is a
 * standalone server's URL or a reader of the truth (a Sentinel-managed or cluster Redis).
 */
export async function assertConverged(redis: string | (() => Promise<Uint8Array>), clients: readonly ReplicaClient[], timeoutMs = 10_000): Promise<void> {
  const truth = typeof redis === 'string' ? await redisCanvas(redis) : await redis();
  await waitFor(() => clients.every((client) => client.replica.loaded && Buffer.compare(client.replica.toIndexArray(), truth) === 0), {
    timeoutMs,
    message: 'every client to equal Redis byte for byte',
  }).catch((error: unknown) => {
    const differing = clients.map((client, index) => {
      const mine = client.replica.toIndexArray();
      let diffs = 0;
      for (let i = 0; i < truth.length; i++) if (mine[i] !== truth[i]) diffs++;
      return `client ${index}: loaded=${client.replica.loaded} diffs=${diffs} seqs=${client.seqs.slice(-5).join(',')}`;
    });
    throw new Error(`${(error as Error).message}\n${differing.join('\n')}`);
  });
}

/** Every received sequence number, duplicates aside, follows the one before it. */
export function assertContiguous(seqs: readonly number[], label: string): void {
  const unique = [...new Set(seqs)];
  for (let i = 1; i < unique.length; i++) {
    assert.equal(unique[i], unique[i - 1]! + 1, `${label}: sequence ${unique.join(',')} has a gap or goes backwards at ${i}`);
  }
}

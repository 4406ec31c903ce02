import { canvasKeys } from '@tessera/protocol';
import type { RedisConnection } from './redis-connection.js';
import { callScript } from './lua-scripts.js';

/**
 * The writer leadership lock of one canvas: a string holding the leader's id with a TTL.
 * Acquiring is SET NX PX (reporting the holder's remaining TTL on failure); renewing and
 * releasing compare the holder first (Lua), so a writer whose lock expired can never extend or
 * delete its successor's.
 */

/** Takes the lock if nobody holds it; true when the caller now holds it for `ttlMs`. */
export async function acquireWriterLease(redis: RedisConnection, canvasId: string, writerId: string, ttlMs: number): Promise<boolean> {
  return (await tryWriterLease(redis, canvasId, writerId, ttlMs)).held;
}

/** What an attempt to take the lock found. */
export type LeaseAttempt =
  | { readonly held: true }
  /** `freeInMs`: when the holder's lock expires (undefined: it never does). */
  | { readonly held: false; readonly freeInMs: number | undefined };

/** Takes the lock if nobody holds it, or says when the current holder's lock runs out (one round trip). */
export async function tryWriterLease(redis: RedisConnection, canvasId: string, writerId: string, ttlMs: number): Promise<LeaseAttempt> {
  const [code, ttl] = await callScript<[number, number]>(redis, 'tesseraAcquireLease', [canvasKeys(canvasId).writerLock, writerId, ttlMs]);
  if (code === 1) return { held: true };
  if (code === 0) return { held: false, freeInMs: ttl >= 0 ? ttl : undefined };
  throw new Error(`lease script returned unknown code ${String(code)}`);
}

/** Extends the lock to `ttlMs` from now; false when the caller no longer holds it. */
export async function renewWriterLease(redis: RedisConnection, canvasId: string, writerId: string, ttlMs: number): Promise<boolean> {
  return leaseHeld(await callScript<number>(redis, 'tesseraRenewLease', [canvasKeys(canvasId).writerLock, writerId, ttlMs]));
}

/** Deletes the lock if the caller holds it; false when it did not. */
export async function releaseWriterLease(redis: RedisConnection, canvasId: string, writerId: string): Promise<boolean> {
  return leaseHeld(await callScript<number>(redis, 'tesseraReleaseLease', [canvasKeys(canvasId).writerLock, writerId]));
}

/** The holder id in the lock, or undefined when nobody leads. */
export async function writerLeaseHolder(redis: RedisConnection, canvasId: string): Promise<string | undefined> {
  return (await redis.get(canvasKeys(canvasId).writerLock)) ?? undefined;
}

/** The one place the lease scripts' result codes get their meaning. */
function leaseHeld(code: number): boolean {
  if (code === 1) return true;
  if (code === 0) return false;
  throw new Error(`lease script returned unknown code ${String(code)}`);
}

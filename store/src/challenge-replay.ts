import { canvasKeys } from '@tessera/protocol';
import type { RedisConnection } from './redis-connection.js';

/**
 * Marks a proof-of-work solution used, across every gateway: true the first time, false for a
 * replay. One SET NX with the challenge's remaining life as TTL, so the key lasts exactly as long
 * as the solution could otherwise be accepted, and no more.
 */
export async function claimChallengeSolution(redis: RedisConnection, canvasId: string, nonce: string, ttlMs: number): Promise<boolean> {
  const reply = await redis.set(canvasKeys(canvasId).challengeUsed(nonce), '1', 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX');
  return reply === 'OK';
}

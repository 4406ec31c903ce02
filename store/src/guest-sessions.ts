import { canvasKeys } from '@tessera/protocol';
import { callScript } from './lua-scripts.js';
import type { RedisConnection } from './redis-connection.js';

export type GuestSessionVerdict = { readonly ok: true } | { readonly ok: false; readonly retryInMs: number };

/**
 * Counts a new guest session for an address and says whether it is within `limit` per window.
 * The count lives in Redis because gateways are stateless and replicated: a client that moves
 * between gateways must not get a fresh allowance on each.
 */
export async function admitGuestSession(
  redis: RedisConnection,
  canvasId: string,
  address: string,
  limit: { readonly perWindow: number; readonly windowMs: number },
): Promise<GuestSessionVerdict> {
  const [count, left] = await callScript<[number, number]>(redis, 'tesseraCountInWindow', [canvasKeys(canvasId).guestSessions(address), limit.windowMs]);
  return count <= limit.perWindow ? { ok: true } : { ok: false, retryInMs: left };
}

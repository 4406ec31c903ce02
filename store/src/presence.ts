import { canvasKeys } from '@tessera/protocol';
import type { RedisConnection } from './redis-connection.js';
import { callScript } from './lua-scripts.js';

/**
 * Records that gateway `gatewayId` holds `players` now, valid for `ttlMs`, and returns the
 * players online across every gateway whose report is still valid (report-presence-3.lua).
 */
export async function reportPresence(redis: RedisConnection, canvasId: string, gatewayId: string, players: number, ttlMs: number): Promise<number> {
  if (!Number.isInteger(players) || players < 0) throw new Error(`players must be a non-negative integer, got ${players}`);
  if (!Number.isInteger(ttlMs) || ttlMs <= 0) throw new Error(`ttlMs must be a positive integer, got ${ttlMs}`);
  const keys = canvasKeys(canvasId);
  return callScript<number>(redis, 'tesseraReportPresence', [keys.presence, keys.stats, keys.statsOnlinePerMinute, gatewayId, players, ttlMs]);
}

/** A gateway shutting down withdraws its report at once instead of waiting for it to lapse. */
export async function withdrawPresence(redis: RedisConnection, canvasId: string, gatewayId: string): Promise<void> {
  await redis.hdel(canvasKeys(canvasId).presence, gatewayId);
}

/** The players online across every gateway whose report has not lapsed (read only: stale ones are skipped, not removed). */
export async function readPresence(redis: RedisConnection, canvasId: string): Promise<number> {
  // Redis' clock, the one the reports' expiries were written with.
  const [reports, [seconds, micros]] = await Promise.all([redis.hgetall(canvasKeys(canvasId).presence), redis.time()]);
  const nowMs = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  let total = 0;
  for (const value of Object.values(reports)) {
    const match = /^(\d+):(\d+)$/.exec(value);
    if (match && Number(match[2]) > nowMs) total += Number(match[1]);
  }
  return total;
}

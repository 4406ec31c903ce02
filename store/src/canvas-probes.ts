import { canvasKeys } from '@tessera/protocol';
import type { RedisConnection } from './redis-connection.js';

/** Whether Redis holds this canvas at all (its config hash): one EXISTS, no parsing. */
export async function canvasExists(redis: RedisConnection, canvasId: string): Promise<boolean> {
  return (await redis.exists(canvasKeys(canvasId).config)) === 1;
}

/** The config version alone (one HGET), 0 when absent or not a u32: what a delta header carries. */
export async function readConfigVersion(redis: RedisConnection, canvasId: string): Promise<number> {
  const version = Number(await redis.hget(canvasKeys(canvasId).config, 'version'));
  return Number.isInteger(version) && version >= 0 && version <= 0xffff_ffff ? version : 0;
}

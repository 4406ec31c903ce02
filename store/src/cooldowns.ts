import { canvasKeys } from '@tessera/protocol';
import type { RedisConnection } from './redis-connection.js';
import { callScript } from './lua-scripts.js';

export interface CooldownHolder {
  readonly userId: string;
  readonly ip: string;
  /** Guests are cooled down per IP as well as per user. */
  readonly applyIpCooldown: boolean;
}

/**
 * Milliseconds this player still waits under `cooldownMs`, by the placement script's own rule
 * (read-cooldown-2.lua): the last placement's time plus the cooldown, never past the end the
 * placement was given. Pass the cooldown of the config shown to the player alongside, so the two
 * agree; a placement itself is judged by the config inside Redis.
 */
export async function readCooldownRemaining(redis: RedisConnection, canvasId: string, holder: CooldownHolder, cooldownMs: number): Promise<number> {
  const keys = canvasKeys(canvasId);
  return callScript<number>(redis, 'tesseraReadCooldown', [
    keys.userCooldown(holder.userId),
    keys.ipCooldown(holder.ip),
    cooldownMs,
    holder.applyIpCooldown ? 1 : 0,
  ]);
}

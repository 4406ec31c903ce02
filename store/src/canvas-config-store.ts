import { canvasKeys, isHistoryViewerMode, OWNER_LOOKUPS, type CanvasConfig, type CanvasKeys, type OwnerLookup } from '@tessera/protocol';
import { parseChallengeFields } from './challenge-fields.js';
import type { RedisConnection } from './redis-connection.js';
import { callScript } from './lua-scripts.js';

/** What a canvas starts with when Redis has none (from each service's env). */
export interface CanvasDefaults {
  readonly width: number;
  readonly height: number;
  readonly palette: readonly string[];
  readonly cooldownMs: number;
}

/** Creates the config hash unless present; true when this call created it. */
export async function createCanvasIfMissing(redis: RedisConnection, canvasId: string, defaults: CanvasDefaults): Promise<boolean> {
  const keys = canvasKeys(canvasId);
  const created = await callScript<number>(redis, 'tesseraCreateCanvas', [
    keys.config,
    defaults.width,
    defaults.height,
    JSON.stringify(defaults.palette),
    defaults.palette.length,
    defaults.cooldownMs,
  ]);
  return created === 1;
}

/** Reads the config hash; undefined when the canvas does not exist. */
export async function readCanvasConfig(redis: RedisConnection, canvasId: string): Promise<CanvasConfig | undefined> {
  const hash = await redis.hgetall(canvasKeys(canvasId).config);
  return parseConfigHash(hash);
}

/** Parses the config hash, refusing (undefined) anything incomplete rather than guessing. */
export function parseConfigHash(hash: Record<string, string>): CanvasConfig | undefined {
  if (!hash.width || !hash.height || !hash.palette || !hash.version) return undefined;
  let palette: unknown;
  try {
    palette = JSON.parse(hash.palette);
  } catch {
    return undefined;
  }
  if (!Array.isArray(palette)) return undefined;
  return {
    width: Number(hash.width),
    height: Number(hash.height),
    palette: palette as string[],
    cooldownMs: Number(hash.cooldownMs ?? 0),
    paused: hash.paused === '1',
    challenge: parseChallengeFields(hash),
    ...(isHistoryViewerMode(hash.historyViewer) ? { historyViewer: hash.historyViewer } : {}),
    version: Number(hash.version),
    ...(OWNER_LOOKUPS.includes(hash.ownerLookup as OwnerLookup) ? { ownerLookup: hash.ownerLookup as OwnerLookup } : {}),
    ...(hash.datasetsPublic === '1' ? { datasetsPublic: true } : {}),
  };
}

export type { CanvasKeys };

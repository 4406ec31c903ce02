import type { CanvasConfig } from '@tessera/protocol';
import { readCanvasConfig } from '@tessera/store';
import type { RedisConnection } from '@tessera/store';
import { SingleFlightCache } from './single-flight-cache.js';

/**
 * The canvas config as players are shown it, re-read from Redis at most every `ttlMs`.
 * Only for display: placements are always judged by the config inside Redis (invariant 5).
 */
export interface ConfigSource {
  current(): Promise<CanvasConfig | undefined>;
  invalidate(): void;
}

export function createConfigSource(redis: RedisConnection, canvasId: string, ttlMs = 500): ConfigSource {
  const cache = new SingleFlightCache(ttlMs, () => readCanvasConfig(redis, canvasId));
  return {
    current: async () => (await cache.get()).data,
    invalidate: () => cache.invalidate(),
  };
}

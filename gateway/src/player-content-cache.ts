import type { OfficialTemplate, RulesText } from '@tessera/protocol';
import { listOfficialTemplates, readRulesText, type RedisConnection } from '@tessera/store';
import { SingleFlightCache } from './single-flight-cache.js';

/** How long a gateway serves its copy; an edit on another gateway shows after at most this. */
export const PLAYER_CONTENT_CACHE_MS = 1000;

/**
 * What every player reads on load (official templates, the rules), cached per gateway with one
 * shared load in flight, so a crowd arriving at once costs Redis one read of each. This
 * gateway's admin edits drop its copy at once.
 */
export function createPlayerContentCache(redis: RedisConnection, canvasId: string, ttlMs = PLAYER_CONTENT_CACHE_MS) {
  const templates = new SingleFlightCache<OfficialTemplate[]>(ttlMs, () => listOfficialTemplates(redis, canvasId));
  const rules = new SingleFlightCache<RulesText>(ttlMs, () => readRulesText(redis, canvasId));
  return {
    templates: async () => (await templates.get()).data,
    rules: async () => (await rules.get()).data,
    invalidateTemplates: () => templates.invalidate(),
    invalidateRules: () => rules.invalidate(),
  };
}

export type PlayerContentCache = ReturnType<typeof createPlayerContentCache>;

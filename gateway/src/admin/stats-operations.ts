import type { EventStatsReport } from '@tessera/protocol';
import { readEventStats, readPresence, type RedisConnection } from '@tessera/store';

/** `GET /api/admin/stats`: the event's numbers, as JSON (the admin page plots them). */
export interface StatsOperations {
  stats(): Promise<EventStatsReport>;
}

export function createStatsOperations(deps: { redis: RedisConnection; canvasId: string }): StatsOperations {
  return {
    async stats() {
      const [stats, online] = await Promise.all([readEventStats(deps.redis, deps.canvasId), readPresence(deps.redis, deps.canvasId)]);
      return { canvasId: deps.canvasId, at: Date.now(), online, ...stats };
    },
  };
}

import { readEventStats, readPresence, type EventStats, type RedisConnection } from '@tessera/store';

/** `GET /api/admin/stats`: the event's numbers, as JSON (the admin page plots them). */
export interface StatsReport extends EventStats {
  readonly canvasId: string;
  /** When this report was read, epoch ms. */
  readonly at: number;
  /** Players online now across every gateway. */
  readonly online: number;
}

export interface StatsOperations {
  stats(): Promise<StatsReport>;
}

export function createStatsOperations(deps: { redis: RedisConnection; canvasId: string }): StatsOperations {
  return {
    async stats() {
      const [stats, online] = await Promise.all([readEventStats(deps.redis, deps.canvasId), readPresence(deps.redis, deps.canvasId)]);
      return { canvasId: deps.canvasId, at: Date.now(), online, ...stats };
    },
  };
}

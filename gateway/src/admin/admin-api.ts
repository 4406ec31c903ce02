import type { Logger, RedisConfig } from '@tessera/runtime';
import { createRedisClient } from '@tessera/runtime';
import type { RedisConnection } from '@tessera/store';
import type { Router } from 'express';
import type { AddressKeying } from '../address-prefix.js';
import type { CanvasCache } from '../canvas-cache.js';
import type { ConfigSource } from '../config-source.js';
import type { JwtVerifier } from '../jwt-verifier.js';
import type { PlayerContentCache } from '../player-content-cache.js';
import type { TesseraServer } from '../socket-server.js';
import { createAdminAuthenticator } from './admin-auth.js';
import { createAdminOperations } from './admin-operations.js';
import { AdminRateLimiter } from './admin-rate-limit.js';
import { createAdminRouter } from './admin-router.js';
import { createRulesOperations } from './rules-operations.js';
import { createTemplateOperations } from './template-operations.js';
import { createModerationOperations } from './moderation-operations.js';
import type { OwnerNames } from '../owner-names.js';
import type { AdminSettings } from './admin-settings.js';
import { createStatsOperations } from './stats-operations.js';
import { loadSnapshotAccess, type SnapshotAccess } from './snapshot-access.js';
import { createHistoryJobsOperations, type HistoryJobsOperations } from './history-jobs-operations.js';
import { createRevertHistoryAccess } from './revert-history-access.js';

/** How long a shutdown waits for the snapshot client to close (see close()). */
const CLIENT_CLOSE_MS = 2_000;

export interface AdminApi {
  readonly router: Router;
  /** Timelapses, heatmaps and datasets; the public dataset routes use it too. */
  readonly historyJobs: HistoryJobsOperations;
  /** Stops timers and closes the snapshot client (gateway shutdown). */
  close(): Promise<void>;
}

export interface AdminApiDeps {
  readonly settings: AdminSettings;
  readonly redis: RedisConnection;
  /** For the snapshot client's own connections (BullMQ blocks on one). */
  readonly redisConfig: RedisConfig;
  readonly canvasId: string;
  readonly streamMaxLength: number;
  readonly canvasCacheMs: number;
  readonly configCacheMs: number;
  readonly configs: ConfigSource;
  readonly cache: CanvasCache;
  readonly jwt: JwtVerifier | undefined;
  readonly io: () => TesseraServer;
  /** Reads ban targets into the canonical prefixes the gateways look up. */
  readonly addressKeying: AddressKeying;
  /** Dropped after a template or rules edit, so this gateway's players see it at once. */
  readonly playerContent?: PlayerContentCache;
  /** Owner display names and pseudonyms (the moderation endpoints). */
  readonly names: OwnerNames;
  readonly log: Logger;
}

/** The admin REST API, wired: what gateway.ts mounts. */
export function createAdminApi(deps: AdminApiDeps): AdminApi {
  const { settings, log } = deps;
  let snapshots: Promise<SnapshotAccess> | undefined;
  let snapshotRedis: RedisConnection | undefined;
  const operations = createAdminOperations({
    redis: deps.redis,
    canvasId: deps.canvasId,
    streamMaxLength: deps.streamMaxLength,
    configs: deps.configs,
    cache: deps.cache,
    io: deps.io,
    canvasCacheMs: deps.canvasCacheMs,
    configCacheMs: deps.configCacheMs,
    addressKeying: deps.addressKeying,
    log,
    snapshots: async () => {
      if (!settings.snapshotsEnabled) return undefined;
      snapshots ??= (async () => {
        snapshotRedis = createRedisClient(deps.redisConfig, log, { name: 'gateway-snapshots', failFast: false, autoPipelining: false });
        return loadSnapshotAccess({ connection: snapshotRedis, canvasId: deps.canvasId, timeoutMs: settings.snapshotTimeoutMs });
      })();
      snapshots.catch(() => (snapshots = undefined));
      return snapshots;
    },
  });
  const historyJobs = createHistoryJobsOperations({
    redis: deps.redis,
    redisConfig: deps.redisConfig,
    canvasId: deps.canvasId,
    enabled: settings.snapshotsEnabled,
    log,
  });
  const revertHistory = createRevertHistoryAccess({
    redis: deps.redis,
    redisConfig: deps.redisConfig,
    canvasId: deps.canvasId,
    enabled: settings.snapshotsEnabled,
    timeoutMs: settings.snapshotTimeoutMs,
    log,
  });
  const router = createAdminRouter({
    historyJobs,
    operations,
    templates: createTemplateOperations({ redis: deps.redis, canvasId: deps.canvasId, changed: () => deps.playerContent?.invalidateTemplates() }),
    rules: createRulesOperations({ redis: deps.redis, canvasId: deps.canvasId, changed: () => deps.playerContent?.invalidateRules() }),
    moderation: createModerationOperations({
      redis: deps.redis,
      canvasId: deps.canvasId,
      streamMaxLength: deps.streamMaxLength,
      names: deps.names,
      log,
      archive: revertHistory,
    }),
    auth: createAdminAuthenticator({ tokens: settings.tokens, jwt: deps.jwt, roleClaim: settings.jwtRoleClaim, role: settings.jwtRole }),
    limiter: new AdminRateLimiter(settings.ratePerMin),
    log,
    redisReady: () => deps.redis.status === 'ready',
    stats: createStatsOperations({ redis: deps.redis, canvasId: deps.canvasId }),
  });
  if (settings.tokens.length === 0 && !deps.jwt) log.info('no ADMIN_TOKENS and no AUTH_JWKS_URL: the admin API refuses every request');
  return {
    router,
    historyJobs,
    async close() {
      operations.close();
      await historyJobs.close();
      await revertHistory.close();
      const access = await snapshots?.catch(() => undefined);
      // Bounded, as revert-history's: BullMQ's QueueEvents close can wait forever on a blocking
      // read after its snapshotter went away (seen in revert-archive.test.ts), and a shutdown
      // must not hang on it; the connections are dropped below either way.
      const closed = await Promise.race([
        access?.close().then(
          () => true,
          () => true,
        ) ?? Promise.resolve(true),
        new Promise<false>((resolve) => setTimeout(() => resolve(false), CLIENT_CLOSE_MS).unref()),
      ]);
      if (!closed) log.warn({ waitedMs: CLIENT_CLOSE_MS }, 'the snapshot client did not close in time; dropping its connections');
      snapshotRedis?.disconnect();
    },
  };
}

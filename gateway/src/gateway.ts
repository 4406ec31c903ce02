import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { canvasRoom, Events } from '@tessera/protocol';
import { createMetricsRegistry, createRedisClient, requireRedisVersion, startProbeServer, waitForRedis, type Logger, type ProbeServer } from '@tessera/runtime';
import { createBatchingPixelPlacer, createCanvasIfMissing, loadScripts } from '@tessera/store';
import type { RedisConnection } from '@tessera/store';
import { createAddressKeying } from './address-prefix.js';
import { createAdminApi } from './admin/admin-api.js';
import { createChallengeGate } from './challenge/challenge-gate.js';
import { createChallengeIssuer } from './challenge/challenge-issuer.js';
import { createChallengeMetrics } from './challenge/challenge-metrics.js';
import { createChallengeRoutes } from './challenge/challenge-routes.js';
import { createPublicDatasetRoutes } from './public-datasets.js';
import { watchCanvasAvailability } from './canvas-availability.js';
import { createCanvasCache } from './canvas-cache.js';
import { createCanvasRoutes } from './canvas-routes.js';
import { createPlayerContentCache } from './player-content-cache.js';
import { createPlayerContentRoutes } from './player-content-routes.js';
import { createOwnerNames } from './owner-names.js';
import { createPixelLookupRoutes } from './pixel-lookup-routes.js';
import { createPseudonyms } from './pseudonyms.js';
import { createAddressResolver } from './client-address.js';
import type { GatewayConfig } from './config.js';
import { createConfigSource } from './config-source.js';
import { followDeltaNotices } from './delta-notices.js';
import { createHealthRoutes } from './health-routes.js';
import { countCanvasLoads } from './canvas-loads.js';
import { startPresence } from './presence.js';
import { createHistoryViewer } from './history-viewer.js';
import { createHttpApp } from './http-app.js';
import { createReadiness } from './readiness.js';
import { createJwtVerifier } from './jwt-verifier.js';
import { createClientConfigRoutes } from './client-config-routes.js';
import { coalesceFlushedWrites } from './coalesced-writes.js';
import { createGatewayMetrics, type GatewayMetrics } from './metrics.js';
import { createOriginPolicy } from './origin-policy.js';
import { createSessionTokens } from './session-tokens.js';
import { replicaShortfallReporter } from './replica-shortfall-reporter.js';
import { guardPublishes, publishFailureReporter } from './safe-publisher.js';
import { createSocketServer, type TesseraServer } from './socket-server.js';

export interface Gateway {
  readonly io: TesseraServer;
  readonly httpServer: HttpServer;
  readonly metrics: GatewayMetrics;
  /** Listens on the configured port (0 picks a free one) and resolves with the port. */
  listen(): Promise<number>;
  /** SIGTERM path: refuse new players, move connected ones elsewhere over `shutdownDrainMs`, close. */
  drain(): Promise<void>;
  /** Closes at once (tests). */
  close(): Promise<void>;
}

/** How long start-up waits for Redis before giving up (the orchestrator restarts us). */
const REDIS_STARTUP_TIMEOUT_MS = 30_000;
const DRAIN_STEP_MS = 100;
/** How long the config shown to players is cached (the admin API re-broadcasts a change after it). */
const CONFIG_CACHE_MS = 500;

/** QUIT when connected (flushes replies), plain disconnect otherwise: a dead Redis must not stall shutdown. */
async function closeRedis(client: RedisConnection): Promise<void> {
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  const timeout = new Promise<void>((resolve) => setTimeout(resolve, 1_000).unref());
  await Promise.race([
    client.quit().then(
      () => undefined,
      () => undefined,
    ),
    timeout,
  ]);
  client.disconnect();
}

/** Builds a gateway from its config: everything main.ts wires, so tests build the same thing. */
export async function createGateway(config: GatewayConfig, log: Logger): Promise<Gateway> {
  const redis = createRedisClient(config.redis, log, { name: 'gateway' });
  const pubClient = createRedisClient(config.redis, log, { name: 'gateway-pub', autoPipelining: false });
  const subClient = createRedisClient(config.redis, log, { name: 'gateway-sub', failFast: false, autoPipelining: false });
  const noticeClient = createRedisClient(config.redis, log, { name: 'gateway-notices', failFast: false, autoPipelining: false });
  // Placements only, never resent after a dropped connection: each lands at most once, and one
  // left unanswered is answered OUTCOME_UNKNOWN. Other commands keep ioredis' resend.
  const placeClient = createRedisClient(config.redis, log, { name: 'gateway-place', resendUnanswered: false });
  const clients: RedisConnection[] = [redis, pubClient, subClient, noticeClient, placeClient];
  try {
    await Promise.all(clients.map((client) => waitForRedis(client, REDIS_STARTUP_TIMEOUT_MS)));
    await requireRedisVersion(redis);
    await loadScripts(redis);
  } catch (error) {
    clients.forEach((client) => client.disconnect());
    throw error;
  }

  if (config.canvasBootstrap === 'create' && (await createCanvasIfMissing(redis, config.canvasId, config.canvasDefaults))) {
    log.info({ canvasId: config.canvasId, ...config.canvasDefaults, palette: config.canvasDefaults.palette.length }, 'created canvas');
  }

  const registry = createMetricsRegistry('gateway');
  const metrics = createGatewayMetrics(registry);
  const configs = createConfigSource(redis, config.canvasId, CONFIG_CACHE_MS);
  const cache = createCanvasCache(redis, config.canvasId, config.canvasCacheMs);
  await followDeltaNotices(noticeClient, config.canvasId, () => cache.invalidate(), log);
  let draining = false;

  const readiness = createReadiness({ isDraining: () => draining, configs });

  const jwt = config.jwt ? createJwtVerifier(config.jwt) : undefined;
  const addressKeying = createAddressKeying(config.ipv6PrefixLength);
  const playerContent = createPlayerContentCache(redis, config.canvasId);
  const names = createOwnerNames({ redis, canvasId: config.canvasId, pseudonym: createPseudonyms(config.sessionSecret) });
  // Admin API (admin/): the io it broadcasts through is created below, after the HTTP server.
  const admin = createAdminApi({
    playerContent,
    settings: config.admin,
    redis,
    redisConfig: config.redis,
    canvasId: config.canvasId,
    streamMaxLength: config.streamMaxLength,
    canvasCacheMs: config.canvasCacheMs,
    configCacheMs: CONFIG_CACHE_MS,
    configs,
    cache,
    jwt,
    io: () => io,
    addressKeying,
    names,
    log,
  });

  const challengeIssuer = createChallengeIssuer(config.challenge);
  const challengeMetrics = createChallengeMetrics(registry);
  const challenges = createChallengeGate({ redis, canvasId: config.canvasId, issuer: challengeIssuer, metrics: challengeMetrics });

  const origins = createOriginPolicy(config.corsOrigins);
  // The players' history viewer (history-*.ts), when the gateway is given read access to the archive.
  const history = config.history ? await createHistoryViewer({ settings: config.history, canvasId: config.canvasId, configs, registry, log }) : undefined;
  const app = createHttpApp({
    routers: [
      createHealthRoutes({ registry, readiness, serveMetrics: config.metricsPort === undefined }),
      createCanvasRoutes({ canvasId: config.canvasId, cache, configs, origins, metrics, log }),
      createPlayerContentRoutes({ content: playerContent, origins, log }),
      createPixelLookupRoutes({
        redis,
        canvasId: config.canvasId,
        configs,
        names,
        addressOf: createAddressResolver(config.trustProxyHops, addressKeying),
        perMinute: config.pixelLookupPerMin,
        registry,
        log,
      }),
      admin.router,
      createChallengeRoutes({ issuer: challengeIssuer, metrics: challengeMetrics, log }),
      createClientConfigRoutes({ signIn: config.signIn, guestsAllowed: config.guestsAllowed }),
      ...(history ? [history.router] : []),
      createPublicDatasetRoutes({ historyJobs: admin.historyJobs, log }),
    ],
    webRoot: config.webRoot,
    trustProxyHops: config.trustProxyHops,
    log,
  });
  const httpServer = createServer(app);
  // Every room broadcast this gateway makes (config, resync, ban) is a PUBLISH on this client:
  // during a Redis blip it must fail quietly, never as an unhandled rejection.
  const publishFailures = publishFailureReporter(log, () => metrics.publishFailures.inc());
  pubClient.on('ready', publishFailures.recovered);
  const replicaShortfalls = replicaShortfallReporter(log, (placements) => metrics.replicaShortfalls.inc(placements));
  const io = createSocketServer({
    httpServer,
    redis,
    pubClient: guardPublishes(pubClient, publishFailures.onFailure),
    subClient,
    canvasId: config.canvasId,
    placer: createBatchingPixelPlacer(placeClient, config.canvasId, config.streamMaxLength, {
      replicas: config.placementReplicas,
      replicaTimeoutMs: config.placementReplicaTimeoutMs,
      onReplicaShortfall: replicaShortfalls.report,
    }),
    configs,
    sessions: createSessionTokens(config.sessionSecret),
    jwt,
    guestsAllowed: config.guestsAllowed,
    addressOf: createAddressResolver(config.trustProxyHops, addressKeying),
    addressKeying,
    limits: config,
    metrics,
    log,
    origins,
    isDraining: () => draining,
    challenges,
  });

  coalesceFlushedWrites(io.engine);
  const availability = watchCanvasAvailability({ redis, io, room: canvasRoom(config.canvasId), log });
  const presence = startPresence({ redis, io, canvasId: config.canvasId, intervalMs: config.presenceIntervalMs, metrics, log });
  const canvasLoads = countCanvasLoads({ redis, io, canvasId: config.canvasId, flushIntervalMs: config.presenceIntervalMs, metrics, log });

  let metricsServer: ProbeServer | undefined;
  const closeEverything = async (): Promise<void> => {
    availability.stop();
    await Promise.all([presence.stop(), canvasLoads.stop()]);
    await metricsServer?.close();
    await admin.close();
    history?.close();
    await new Promise<void>((resolve) => {
      void io.close(() => resolve());
    });
    httpServer.closeAllConnections();
    await Promise.all(clients.map((client) => closeRedis(client)));
  };

  return {
    io,
    httpServer,
    metrics,
    async listen() {
      if (config.metricsPort !== undefined) {
        metricsServer = await startProbeServer({ port: config.metricsPort, host: config.host, registry, readiness });
        log.info({ port: metricsServer.port }, 'metrics on their own port');
      }
      return new Promise<number>((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(config.port, config.host, () => {
          httpServer.off('error', reject);
          resolve((httpServer.address() as AddressInfo).port);
        });
      });
    },
    async drain() {
      draining = true;
      httpServer.close(); // no new connections; the open ones stay until moved
      const sockets = [...io.of('/').sockets.values()];
      const steps = Math.max(1, Math.floor(config.shutdownDrainMs / DRAIN_STEP_MS));
      const perStep = Math.max(1, Math.ceil(sockets.length / steps));
      log.info({ sockets: sockets.length, drainMs: config.shutdownDrainMs }, 'draining');
      // Spread out so the other gateways see a ramp, not a thundering herd of reconnections.
      for (let index = 0; index < sockets.length; index += perStep) {
        for (const socket of sockets.slice(index, index + perStep)) {
          socket.emit(Events.Draining);
          socket.disconnect(true);
        }
        if (index + perStep < sockets.length) await new Promise((resolve) => setTimeout(resolve, DRAIN_STEP_MS));
      }
      await closeEverything();
    },
    async close() {
      draining = true;
      await closeEverything();
    },
  };
}

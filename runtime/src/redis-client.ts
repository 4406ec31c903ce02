import { OutcomeUnknownError, type RedisConnection } from '@tessera/store';
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { RedisConfig } from './common-config.js';
import type { Logger } from './logger.js';

export interface RedisClientOptions {
  /** Shown in Redis `CLIENT LIST` and in logs. */
  readonly name: string;
  /**
   * Fail commands at once while disconnected instead of queueing them (default true): a player
   * gets CANVAS_UNAVAILABLE now rather than a stale success later. Subscribers and blocking
   * readers set false.
   */
  readonly failFast?: boolean;
  /** Batch commands issued in the same tick into one write (default true): the placement hot path. */
  readonly autoPipelining?: boolean;
  /**
   * Resend commands that were written but unanswered when the connection dropped (default true,
   * ioredis' own default). False for the client that runs placements: Redis may already have run
   * such a script, and running it again would place a pixel twice. ioredis then never settles those
   * commands, so whoever sends on such a client must settle them itself (see store's placer).
   */
  readonly resendUnanswered?: boolean;
}

/**
 * Builds an ioredis client from the shared config: a URL, a master found through Sentinels, or a
 * Redis Cluster. Every client a service opens (commands, pub/sub, the Socket.IO adapter and
 * emitter, BullMQ) comes from here, so all of them carry the same credentials and TLS settings.
 */
export function createRedisClient(config: RedisConfig, log: Logger, options: RedisClientOptions): RedisConnection {
  const failFast = options.failFast ?? true;
  const common: RedisOptions = {
    connectionName: `tessera-${options.name}`,
    enableAutoPipelining: options.autoPipelining ?? true,
    maxRetriesPerRequest: failFast ? 1 : null,
    // Queue until the first connection so start-up commands wait for Redis; see 'ready' below.
    enableOfflineQueue: true,
    // Reconnect forever with a capped backoff: Redis restarts and failovers are survivable.
    retryStrategy: (attempt) => Math.min(100 * 2 ** Math.min(attempt, 6), 5_000),
    lazyConnect: false,
    autoResendUnfulfilledCommands: options.resendUnanswered ?? true,
  };
  const client = buildClient(config, common);
  if (options.resendUnanswered === false) settleUnansweredOnClose(client);
  let announcedDown = false;
  client.on('error', (error: Error) => {
    if (!announcedDown) log.warn({ err: error.message, client: options.name }, 'redis connection error');
    announcedDown = true;
  });
  client.on('ready', () => {
    if (announcedDown) log.info({ client: options.name }, 'redis connection restored');
    announcedDown = false;
    // From now on a fail-fast client refuses commands while disconnected instead of queueing them.
    if (failFast) client.options.enableOfflineQueue = false;
  });
  return client;
}

/** Closes a client on shutdown: QUIT for a clean goodbye, bounded to a second, then the socket regardless. */
export async function closeRedis(client: RedisConnection, log: Logger): Promise<void> {
  try {
    await Promise.race([client.quit(), new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
  } catch (error) {
    log.debug({ err: error }, 'redis quit failed');
  }
  client.disconnect();
}

/** Waits until the client is ready, or rejects after `timeoutMs`. */
export async function waitForRedis(client: RedisConnection, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('ready', onReady);
      reject(
        new Error(
          `redis at ${describeTarget(client)} not ready after ${timeoutMs} ms (status ${client.status}): is it running, and are REDIS_URL (or REDIS_SENTINELS / REDIS_CLUSTER_NODES) and its credentials right?`,
        ),
      );
    }, timeoutMs);
    const onReady = (): void => {
      clearTimeout(timer);
      resolve();
    };
    client.once('ready', onReady);
  });
}

/** TLS options for one kind of connection, or undefined for plain TCP. */
function tlsOptions(enabled: boolean | undefined, config: RedisConfig): TlsOptions | undefined {
  if (!enabled) return undefined;
  return config.tlsCa === undefined ? {} : { ca: config.tlsCa };
}

function buildClient(config: RedisConfig, common: RedisOptions): RedisConnection {
  // Credentials and TLS of the data nodes (standalone server, Sentinel's master and replicas, cluster nodes).
  const node: RedisOptions = {
    ...common,
    ...(config.username === undefined ? {} : { username: config.username }),
    ...(config.password === undefined ? {} : { password: config.password }),
  };
  const tls = tlsOptions(config.tls, config);
  if (config.clusterNodes && config.clusterNodes.length > 0) {
    const clusterOptions: ClusterOptions = {
      redisOptions: { ...node, ...(tls ? { tls } : {}) },
      enableOfflineQueue: true,
      enableAutoPipelining: common.enableAutoPipelining ?? true,
      clusterRetryStrategy: common.retryStrategy,
      // Keep the seed host names: TLS certificates name them, not the addresses they resolve to
      // (the setting ioredis documents for ElastiCache with TLS).
      ...(tls ? { dnsLookup: (address: string, callback: (error: null, address: string) => void) => callback(null, address) } : {}),
    };
    const cluster = new Cluster(
      config.clusterNodes.map(({ host, port }) => ({ host, port })),
      clusterOptions,
    );
    clusterSeeds.set(cluster, config.clusterNodes.map(({ host, port }) => `${host}:${port}`).join(','));
    return cluster;
  }
  if (config.sentinels.length > 0) {
    const sentinelTls = tlsOptions(config.sentinelTls, config);
    return new Redis({
      ...node,
      sentinels: config.sentinels.map(({ host, port }) => ({ host, port })),
      name: config.sentinelMaster,
      ...(config.sentinelUsername === undefined ? {} : { sentinelUsername: config.sentinelUsername }),
      ...(config.sentinelPassword === undefined ? {} : { sentinelPassword: config.sentinelPassword }),
      ...(sentinelTls ? { sentinelTLS: sentinelTls } : {}),
      ...(tls ? { tls, enableTLSForSentinelMode: true } : {}),
      // Subscribes to the Sentinels' +switch-master, so a failover is followed at once, not on the next error.
      failoverDetector: true,
    });
  }
  // A URL's own user and password win inside ioredis; config.ts refuses a second source for them.
  return new Redis(config.url, { ...node, ...(tls ? { tls } : {}) });
}

/** The seeds each cluster client was built with (ioredis keeps its own private). */
const clusterSeeds = new WeakMap<Cluster, string>();

/** Where a client points, for messages (never its credentials). */
export function describeTarget(client: RedisConnection): string {
  if (client instanceof Cluster) return `cluster ${clusterSeeds.get(client) ?? '(seeds unknown)'}`;
  if (client.options.sentinels?.length) return `master ${client.options.name ?? ''} via Sentinel`;
  return `${client.options.host}:${client.options.port}`;
}

/**
 * Without resending, ioredis keeps the commands a dropped connection left unanswered and never
 * settles them: their callers would wait forever, and an auto-pipeline holding one blocks every
 * later command on the client. At 'close' (emitted a tick after the drop, while the command queue
 * still holds them and before any reconnect) each is rejected with OutcomeUnknownError: it was
 * written, so Redis may have run it. Commands not written yet are refused by ioredis itself.
 */
function settleUnansweredOnClose(client: RedisConnection): void {
  const settle = (node: Redis): void => {
    node.on('close', () => {
      const queue = node.commandQueue;
      while (queue.length > 0) queue.shift()?.command.reject(new OutcomeUnknownError('the connection closed before Redis answered'));
    });
  };
  if (client instanceof Cluster) client.on('+node', settle);
  else settle(client);
}

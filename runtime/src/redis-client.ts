import { Redis, type RedisOptions } from 'ioredis';
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
}

/** Builds an ioredis client from the shared config: a URL, or Sentinels when given. */
export function createRedisClient(config: RedisConfig, log: Logger, options: RedisClientOptions): Redis {
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
  };
  const client =
    config.sentinels.length > 0
      ? new Redis({ ...common, sentinels: [...config.sentinels], name: config.sentinelMaster })
      : new Redis(config.url, common);
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

/** Waits until the client is ready, or rejects after `timeoutMs`. */
export async function waitForRedis(client: Redis, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('ready', onReady);
      const where = client.options.sentinels?.length ? `master ${client.options.name ?? ''} via Sentinel` : `${client.options.host}:${client.options.port}`;
      reject(new Error(`redis at ${where} not ready after ${timeoutMs} ms (status ${client.status}): is it running and is REDIS_URL right?`));
    }, timeoutMs);
    const onReady = (): void => {
      clearTimeout(timer);
      resolve();
    };
    client.once('ready', onReady);
  });
}

import { createLogger, createMetricsRegistry, createRedisClient, exitOnSignals, failStartup, startProbeServer, type Logger } from '@tessera/runtime';
import type { RedisConnection } from '@tessera/store';
import { loadWriterConfig, type WriterConfig } from './config.js';
import { createWriterMetrics } from './metrics.js';
import { followUserActivity } from './user-activity.js';
import { createWriter } from './writer-loop.js';

/** How long SIGTERM may take: the current tick, releasing the lock, closing Redis. */
const SHUTDOWN_TIMEOUT_MS = 10_000;

let config: WriterConfig;
try {
  config = loadWriterConfig(process.env);
} catch (error) {
  failStartup(undefined, error);
}
const log = createLogger('writer', config.logLevel);

try {
  const registry = createMetricsRegistry('writer');
  // Redis being down at start is not fatal: the loop retries every tick and /readyz says why.
  const redis = createRedisClient(config.redis, log, { name: 'writer' });
  const emitterRedis = createRedisClient(config.redis, log, { name: 'writer-emitter', autoPipelining: false });
  const writer = createWriter({ redis, emitterRedis, config, log, metrics: createWriterMetrics(registry) });
  followUserActivity({ writer, redis, canvasId: config.canvasId, log, registry });
  const probe = await startProbeServer({
    port: config.httpPort,
    registry,
    readiness: () => {
      if (redis.status !== 'ready') return `redis is ${redis.status}`;
      if (emitterRedis.status !== 'ready') return `redis (emitter) is ${emitterRedis.status}`;
      return undefined;
    },
  });
  writer.start();
  log.info({ port: probe.port, writerId: config.writerId }, 'writer listening for probes');
  exitOnSignals(
    log,
    async () => {
      await writer.stop();
      await probe.close();
      await Promise.all([closeRedis(redis, log), closeRedis(emitterRedis, log)]);
    },
    SHUTDOWN_TIMEOUT_MS,
  );
} catch (error) {
  failStartup(log, error);
}

async function closeRedis(client: RedisConnection, logger: Logger): Promise<void> {
  try {
    await Promise.race([client.quit(), new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
  } catch (error) {
    logger.debug({ err: error }, 'redis quit failed');
  }
  client.disconnect();
}

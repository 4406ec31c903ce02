import { closeRedis, createMetricsRegistry, createRedisClient, exitOnSignals, runService, startProbeServer } from '@tessera/runtime';
import { loadWriterConfig } from './config.js';
import { createWriterMetrics } from './metrics.js';
import { followUserActivity } from './user-activity.js';
import { createWriter } from './writer-loop.js';

/** How long SIGTERM may take: the current tick, releasing the lock, closing Redis. */
const SHUTDOWN_TIMEOUT_MS = 10_000;

await runService('writer', loadWriterConfig, async (config, log) => {
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
});

import { createLogger, createMetricsRegistry, createRedisClient, exitOnSignals, failStartup, startProbeServer, type Logger } from '@tessera/runtime';
import type { RedisConnection } from '@tessera/store';
import { loadSnapshotterConfig, type SnapshotterConfig } from './config.js';
import { createSnapshotMetrics } from './metrics.js';
import { createSnapshotter } from './snapshotter.js';

/** Beyond the job wait: closing Redis and the probe server. */
const SHUTDOWN_SLACK_MS = 5_000;

let config: SnapshotterConfig;
try {
  config = loadSnapshotterConfig(process.env);
} catch (error) {
  failStartup(undefined, error);
}
const log = createLogger('snapshotter', config.logLevel);

try {
  const registry = createMetricsRegistry('snapshotter');
  const redis = createRedisClient(config.redis, log, { name: 'snapshotter' });
  // BullMQ needs commands to wait through a reconnect rather than fail (maxRetriesPerRequest: null).
  const bullConnection = createRedisClient(config.redis, log, { name: 'snapshotter-queue', failFast: false, autoPipelining: false });
  const snapshotter = createSnapshotter({ config, redis, bullConnection, log, metrics: createSnapshotMetrics(registry) });
  const probe = await startProbeServer({
    port: config.httpPort,
    registry,
    readiness: () => (redis.status !== 'ready' ? `redis is ${redis.status}` : snapshotter.readiness()),
    // Not readiness: a stale snapshot (S3 down, a stuck queue) must alert, not take pods out of rollouts.
    checks: { 'snapshot-age': () => snapshotter.snapshotAgeProblem() },
  });
  log.info({ port: probe.port, canvasId: config.canvasId, bucket: config.s3.bucket, prefix: config.s3.prefix }, 'snapshotter listening for probes');
  exitOnSignals(
    log,
    async () => {
      await snapshotter.stop(config.shutdownTimeoutMs);
      await probe.close();
      await Promise.all([closeRedis(redis, log), closeRedis(bullConnection, log)]);
    },
    config.shutdownTimeoutMs + SHUTDOWN_SLACK_MS,
  );
  await snapshotter.start();
  if (snapshotter.readiness() === undefined) log.info('snapshotter ready');
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

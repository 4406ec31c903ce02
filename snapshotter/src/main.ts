import { closeRedis, createMetricsRegistry, createRedisClient, exitOnSignals, runService, startProbeServer } from '@tessera/runtime';
import { loadSnapshotterConfig } from './config.js';
import { createSnapshotMetrics } from './metrics.js';
import { createSnapshotter } from './snapshotter.js';

/** Beyond the job wait: closing Redis and the probe server. */
const SHUTDOWN_SLACK_MS = 5_000;

await runService('snapshotter', loadSnapshotterConfig, async (config, log) => {
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
});

import type { Logger } from '@tessera/runtime';
import type { Registry } from 'prom-client';
import type { Router } from 'express';
import type { ConfigSource } from './config-source.js';
import type { HistorySettings } from './history-settings.js';

/**
 * Wires the history viewer: a read-only S3 client on the archive, the archive reader and its
 * routes. Loaded on demand, so a gateway without HISTORY_S3_BUCKET never loads the AWS SDK.
 */
export async function createHistoryViewer(deps: {
  settings: HistorySettings;
  canvasId: string;
  configs: ConfigSource;
  registry: Registry;
  log: Logger;
}): Promise<{ router: Router; close(): void }> {
  const [{ createObjectStore, createS3Client, canvasFolder }, { createHistoryArchive }, { createHistoryMetrics, createHistoryRoutes }] = await Promise.all([
    import('@tessera/snapshotter/archive'),
    import('./history-archive.js'),
    import('./history-routes.js'),
  ]);
  const { settings } = deps;
  const s3 = createS3Client(
    {
      bucket: settings.bucket,
      region: settings.region,
      endpoint: settings.endpoint,
      forcePathStyle: settings.forcePathStyle,
      requestTimeoutMs: settings.requestTimeoutMs,
    },
    settings.credentials ? { credentials: { ...settings.credentials } } : {},
  );
  const objects = createObjectStore(s3, settings.bucket, canvasFolder(settings.prefix, deps.canvasId));
  const archive = createHistoryArchive({ objects, canvasId: deps.canvasId, indexCacheMs: settings.indexCacheMs, cacheBytes: settings.cacheBytes });
  const router = createHistoryRoutes({
    archive,
    configs: deps.configs,
    indexCacheMs: settings.indexCacheMs,
    metrics: createHistoryMetrics(deps.registry),
    log: deps.log,
  });
  // Keep-alive sockets to S3 must not hold a draining gateway open.
  return { router, close: () => s3.destroy() };
}

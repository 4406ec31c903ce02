// Snapshot: time and size of snapshotting a canvas to S3 (and restoring it), through the
// snapshotter's own measuring function `benchSnapshot` (`@tessera/snapshotter/bench`, source in
// snapshotter/src/snapshot-bench.ts), against a private redis-server and a local S3 server.
// Skipped, with a line saying so, while the snapshotter does not provide it.
import { existsSync } from 'node:fs';
import { startRedis } from '../../scripts/lib/redis-server.mjs';
import { S3RVER_CREDENTIALS, startS3 } from '../../scripts/lib/s3-server.mjs';
import { ROOT } from '../lib/cluster.mjs';
import { emit, loadAverage, round } from '../lib/stats.mjs';

const BUILT = `${ROOT}snapshotter/dist/snapshot-bench.js`;
const SOURCE = `${ROOT}snapshotter/src/snapshot-bench.ts`;

/** The snapshotter's benchSnapshot: built if it is, else its TypeScript source through tsx. */
async function loadBenchSnapshot() {
  if (existsSync(BUILT)) return { from: 'snapshotter/dist', module: await import('@tessera/snapshotter/bench') };
  if (existsSync(SOURCE)) {
    const { tsImport } = await import('tsx/esm/api');
    return { from: 'snapshotter/src (tsx)', module: await tsImport(SOURCE, import.meta.url) };
  }
  return undefined;
}

/** @param {{ sides: number[] }} options */
export async function snapshot({ sides }) {
  const loaded = await loadBenchSnapshot().catch((/** @type {unknown} */ error) => ({ error: /** @type {Error} */ (error) }));
  const reason = !loaded
    ? 'the snapshotter provides no benchSnapshot yet (snapshotter/src/snapshot-bench.ts)'
    : 'error' in loaded
      ? `benchSnapshot could not be loaded: ${loaded.error.message}`
      : typeof loaded.module.benchSnapshot !== 'function'
        ? 'snapshot-bench exports no benchSnapshot'
        : undefined;
  if (reason || !loaded || 'error' in loaded) {
    emit({ scenario: 'snapshot', skipped: true, reason });
    return [{ scenario: 'snapshot', status: `skipped: ${reason}` }];
  }
  const redisServer = await startRedis({ name: 'redis' });
  const s3Server = await startS3({ buckets: ['tessera-bench'] });
  const rows = [];
  try {
    for (const side of sides) {
      const load = loadAverage();
      const started = performance.now();
      const result = await loaded.module.benchSnapshot({
        redisUrl: redisServer.url,
        s3: {
          endpoint: s3Server.endpoint,
          region: s3Server.region,
          bucket: 'tessera-bench',
          prefix: 'bench/',
          forcePathStyle: true,
          credentials: { ...S3RVER_CREDENTIALS },
        },
        width: side,
        height: side,
      });
      const record = {
        scenario: 'snapshot',
        width: side,
        height: side,
        fill: 'random, 32 colours (the snapshotter bench fills its own canvas)',
        source: loaded.from,
        wallMs: Math.round(performance.now() - started),
        ...result,
        loadavg: { start: load, end: loadAverage() },
      };
      emit(record);
      rows.push({
        canvas: `${side}×${side} random`,
        'snapshot ms': round(result.snapshotMs, 0),
        'binary KB': round(result.bytes / 1024, 0),
        'png KB': round(result.pngBytes / 1024, 0),
        'restore ms': round(result.restoreMs, 0),
        ...Object.fromEntries(Object.entries(result.timings ?? {}).map(([k, v]) => [k.replace(/Ms$/, ' ms'), typeof v === 'number' ? round(v, 0) : v])),
        load1: record.loadavg.end[0],
      });
    }
    return rows;
  } finally {
    await s3Server.stop();
    await redisServer.stop();
  }
}

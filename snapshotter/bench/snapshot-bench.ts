// Prints snapshot and restore figures for random canvases, against a private redis-server and a
// local S3-compatible server (s3rver), both child processes started here:
//
//   npx tsx snapshotter/bench/snapshot-bench.ts [side...]     (default: 1000 2000)
//
// The measuring function is `benchSnapshot` (`@tessera/snapshotter/bench`), for bench/ to import.
import { startRedis } from '../../scripts/lib/redis-server.mjs';
import { startS3 } from '../../scripts/lib/s3-server.mjs';
import { benchSnapshot } from '../src/snapshot-bench.js';

const sides = process.argv
  .slice(2)
  .map(Number)
  .filter((side) => Number.isInteger(side) && side > 0);
const redis = await startRedis({});
const s3 = await startS3({ buckets: ['tessera'] });
try {
  for (const side of sides.length > 0 ? sides : [1000, 2000]) {
    const result = await benchSnapshot({
      redisUrl: redis.url,
      s3: { endpoint: s3.endpoint, region: s3.region, bucket: 'tessera', credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } },
      width: side,
      height: side,
    });
    console.log(
      `${side}×${side} random, 32 colours: snapshot ${result.snapshotMs.toFixed(0)} ms, binary ${result.bytes} B, png ${result.pngBytes} B, restore ${result.restoreMs.toFixed(0)} ms`,
    );
    console.log(`  snapshot phases (ms): ${JSON.stringify(result.timings)}`);
  }
} finally {
  await s3.stop();
  await redis.stop();
}

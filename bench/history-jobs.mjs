// `node bench/history-jobs.mjs [--events=1000000] [--side=2000] [--seconds=30] [--fps=30]`
//
// Render and export times of the snapshotter's history jobs on the issue's case: a 2000×2000
// canvas, one hour, a million placements (10 history segments of 100k events, written straight to
// a local S3 server as the snapshotter archives them), rendered with the snapshotter's own code
// (snapshotter/dist) and the system ffmpeg. Prints figures; asserts nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { startRedis } from '../scripts/lib/redis-server.mjs';
import { S3RVER_CREDENTIALS, startS3 } from '../scripts/lib/s3-server.mjs';
import {
  canvasFolder,
  countPlacements,
  createHistorySource,
  createObjectStore,
  createS3Client,
  datasetRows,
  encodeHeatmap,
  encodeSegment,
  encodeSnapshot,
  historyKey,
  renderTimelapse,
  snapshotKey,
  writeDataset,
} from '../snapshotter/dist/index.js';

const arg = (name, fallback) => Number(process.argv.find((value) => value.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const EVENTS = arg('events', 1_000_000);
const SIDE = arg('side', 2000);
const SECONDS = arg('seconds', 30);
const FPS = arg('fps', 30);
const HOUR = 3_600_000;
const SEGMENT = 100_000;
const PALETTE = ['#ffffff', '#6d001a', '#be0039', '#ff4500', '#ffa800', '#ffd635', '#00a368', '#7eed56', '#2450a4', '#3690ea', '#811e9f', '#000000'];

const s3 = await startS3({ buckets: ['tessera'] });
const redis = await startRedis();
const work = mkdtempSync(path.join(os.tmpdir(), 'tessera-history-bench-'));
const client = new Redis(redis.url ?? `redis://127.0.0.1:${redis.port}`);
try {
  const settings = { bucket: 'tessera', region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, requestTimeoutMs: 60_000 };
  const s3Client = createS3Client(settings, { credentials: { ...S3RVER_CREDENTIALS } });
  const canvasId = 'bench';
  const objects = createObjectStore(s3Client, 'tessera', canvasFolder('tessera/', canvasId));
  const start = Date.UTC(2026, 0, 1);
  // The keyframe: the empty canvas just before the hour.
  const keyPosition = { ms: start - 1, seq: 0 };
  const configHash = { width: String(SIDE), height: String(SIDE), palette: JSON.stringify(PALETTE), cooldownMs: '0', paused: '0', version: '1' };
  const { bytes } = await encodeSnapshot({ canvasId, takenAt: start - 1, position: keyPosition, width: SIDE, height: SIDE, configHash, chunks: [] });
  await objects.put(snapshotKey(start - 1, keyPosition), bytes, 'application/octet-stream');
  let seed = 42;
  // xorshift32: the same history on every run.
  const random = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 2 ** 32;
  };
  let after = keyPosition;
  const writing = performance.now();
  for (let first = 0; first < EVENTS; first += SEGMENT) {
    const events = [];
    for (let i = first; i < Math.min(EVENTS, first + SEGMENT); i++) {
      // Placements cluster like art does: half in a 400×400 hot spot.
      const hot = random() < 0.5;
      const x = hot ? 800 + Math.floor(random() * 400) : Math.floor(random() * SIDE);
      const y = hot ? 800 + Math.floor(random() * 400) : Math.floor(random() * SIDE);
      events.push({
        position: { ms: start + Math.floor((i * HOUR) / EVENTS), seq: i },
        x,
        y,
        color: 1 + Math.floor(random() * (PALETTE.length - 1)),
        userId: `user-${Math.floor(random() * 50_000)}`,
      });
    }
    const until = events[events.length - 1].position;
    await objects.put(historyKey(events[0].position, until), await encodeSegment({ after, until, gap: false, events }), 'application/octet-stream');
    after = until;
  }
  console.log(
    `history: ${EVENTS} placements over 1 h on ${SIDE}×${SIDE}, ${Math.ceil(EVENTS / SEGMENT)} segments, written in ${((performance.now() - writing) / 1000).toFixed(1)} s`,
  );
  const source = createHistorySource({ objects, redis: client, canvasId });
  const region = { x: 0, y: 0, width: SIDE, height: SIDE };
  const range = { from: start, to: start + HOUR - 1 };

  const time = async (label, work) => {
    const began = performance.now();
    const detail = await work();
    console.log(`${label}: ${((performance.now() - began) / 1000).toFixed(1)} s${detail ? ` (${detail})` : ''}`);
  };
  for (const quality of ['standard']) {
    await time(`timelapse ${SECONDS} s × ${FPS} fps = ${SECONDS * FPS} frames, ${SIDE}×${SIDE}, scale 1, ${quality}, veryfast`, async () => {
      const outcome = await renderTimelapse({
        source,
        request: { kind: 'timelapse', ...range, region, durationSeconds: SECONDS, fps: FPS, scale: 1, quality },
        outputFile: path.join(work, 'bench.mp4'),
        ffmpegPath: 'ffmpeg',
      });
      return `${outcome.frames} frames, ${(outcome.bytes / 1e6).toFixed(1)} MB, ${outcome.events} events`;
    });
  }
  await time('heatmap (count + PNG)', async () => {
    const counts = await countPlacements(source, { ...range, region });
    return `${((await encodeHeatmap(counts)).length / 1e6).toFixed(2)} MB PNG, ${counts.counts.filter((count) => count > 0).length} pixels placed, ${counts.events} events`;
  });
  for (const format of ['parquet', 'csv']) {
    await time(`dataset ${format}`, async () => {
      const outcome = await writeDataset(datasetRows(source, range, 'bench-salt-of-some-length'), format, path.join(work, `bench.${format}`));
      return `${outcome.rows} rows, ${(outcome.bytes / 1e6).toFixed(1)} MB, peak RSS ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB`;
    });
  }
  s3Client.destroy();
} finally {
  client.disconnect();
  rmSync(work, { recursive: true, force: true });
  await redis.stop();
  await s3.stop();
}

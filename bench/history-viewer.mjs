#!/usr/bin/env node
// History viewer: what serving and replaying the archive costs. A 2000×2000 canvas of colour
// blocks and noise is archived as the snapshotter writes it (its own encoders) to a local S3
// server, then read through the gateway's archive reader (gateway/dist/history-archive.js) as a
// player's first request would (S3 GET, decode, re-encode, brotli), and replayed with the
// browser's replay function (web/src/history/history-replay.ts, through tsx) over a segment of
// 100,000 placements. Prints figures; passes or fails nothing. Run `npm run build` first.
import { tsImport } from 'tsx/esm/api';
import { S3Client } from '@aws-sdk/client-s3';
import { decodeCanvas, decodeHistoryEvents } from '@tessera/protocol';
import { createObjectStore, encodeSegment, encodeSnapshot, historyKey, snapshotKey } from '@tessera/snapshotter';
import { createHistoryArchive } from '../gateway/dist/history-archive.js';
import { S3RVER_CREDENTIALS, startS3 } from '../scripts/lib/s3-server.mjs';
import { emit, loadAverage } from './lib/stats.mjs';

const SIDE = 2000;
const EVENTS = 100_000;
const CHUNK = 256;
const palette = Array.from({ length: 32 }, (_, i) => `#${(i * 0x07_13_29).toString(16).padStart(6, '0').slice(-6)}`);

let seed = 42;
const random = (n) => {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
  return seed % n;
};

/** Blocks of colour with 20 % noise: closer to real art than pure noise. */
function chunks() {
  const out = [];
  const grid = Math.ceil(SIDE / CHUNK);
  for (let cy = 0; cy < grid; cy++) {
    for (let cx = 0; cx < grid; cx++) {
      const bytes = new Uint8Array(CHUNK * CHUNK);
      for (let i = 0; i < bytes.length; i++)
        bytes[i] = random(5) === 0 ? random(32) : (Math.floor((i % CHUNK) / 32) + Math.floor(i / CHUNK / 32) + cx + cy) % 32;
      out.push({ cx, cy, bytes });
    }
  }
  return out;
}

const time = async (work) => {
  const started = performance.now();
  const value = await work();
  return { value, ms: Math.round((performance.now() - started) * 10) / 10 };
};

const s3Server = await startS3({ buckets: ['bench'] });
const s3 = new S3Client({ endpoint: s3Server.endpoint, region: s3Server.region, forcePathStyle: true, credentials: { ...S3RVER_CREDENTIALS } });
try {
  const load = loadAverage();
  const objects = createObjectStore(s3, 'bench', 'bench/main/');
  const t0 = 1_796_000_000_000;
  const position = { ms: t0, seq: 0 };
  const configHash = { width: String(SIDE), height: String(SIDE), palette: JSON.stringify(palette), version: '1', cooldownMs: '0', paused: '0' };
  const snapshot = await encodeSnapshot({ canvasId: 'main', takenAt: t0, position, width: SIDE, height: SIDE, configHash, chunks: chunks() });
  await objects.put(snapshotKey(t0, position), snapshot.bytes, 'application/octet-stream');
  const events = Array.from({ length: EVENTS }, (_, i) => ({
    position: { ms: t0 + 1 + Math.floor(i / 10), seq: i % 10 },
    x: random(SIDE),
    y: random(SIDE),
    color: random(32),
    userId: `user-${random(5000)}`,
  }));
  const until = events[EVENTS - 1].position;
  const segment = await encodeSegment({ after: position, until, gap: false, events });
  await objects.put(historyKey(events[0].position, until), segment, 'application/octet-stream');

  const archive = createHistoryArchive({ objects, canvasId: 'main', indexCacheMs: 0, cacheBytes: 256 * 1024 * 1024 });
  const { index } = await archive.index();
  const keyframeName = index.keyframes[0].name;
  const segmentName = index.segments[0].name;
  const firstKeyframe = await time(() => archive.keyframe(keyframeName));
  const keyframeBr = await time(() => firstKeyframe.value.body.get('br'));
  const keyframeGzip = await time(() => firstKeyframe.value.body.get('gzip'));
  const cachedKeyframe = await time(() => archive.keyframe(keyframeName));
  const firstSegment = await time(() => archive.segment(segmentName));
  const segmentBr = await time(() => firstSegment.value.body.get('br'));

  const { replay } = await tsImport('../web/src/history/history-replay.ts', import.meta.url);
  const decodedKeyframe = await time(() => decodeCanvas(firstKeyframe.value.body.raw));
  const decodedSegment = await time(() => decodeHistoryEvents(firstSegment.value.body.raw));
  const replayed = await time(() => replay(decodedKeyframe.value.value, [decodedSegment.value.value], until.ms));

  const record = {
    scenario: 'history-viewer',
    canvas: `${SIDE}×${SIDE}`,
    placements: EVENTS,
    archivedSnapshotBytes: snapshot.bytes.length,
    archivedSegmentBytes: segment.length,
    keyframeFirstRequestMs: firstKeyframe.ms,
    keyframeCachedMs: cachedKeyframe.ms,
    keyframeRawBytes: firstKeyframe.value.body.raw.length,
    keyframeBrotliBytes: keyframeBr.value.length,
    keyframeBrotliMs: keyframeBr.ms,
    keyframeGzipBytes: keyframeGzip.value.length,
    keyframeGzipMs: keyframeGzip.ms,
    segmentFirstRequestMs: firstSegment.ms,
    segmentRawBytes: firstSegment.value.body.raw.length,
    segmentBrotliBytes: segmentBr.value.length,
    segmentBrotliMs: segmentBr.ms,
    decodeKeyframeMs: decodedKeyframe.ms,
    decodeSegmentMs: decodedSegment.ms,
    replayMs: replayed.ms,
    loadavg: { start: load, end: loadAverage() },
  };
  emit(record);
  console.table(
    Object.entries(record)
      .filter(([key]) => key !== 'loadavg' && key !== 'scenario')
      .map(([key, value]) => ({ figure: key, value })),
  );
} finally {
  s3.destroy();
  await s3Server.stop();
}

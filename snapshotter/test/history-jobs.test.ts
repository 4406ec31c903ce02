import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { canvasKeys, parseHexColor, parsePosition } from '@tessera/protocol';
import { paintRegion, parseEntries } from '@tessera/store';
import { decode } from 'fast-png';
import { parquetReadObjects } from 'hyparquet';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { useRedis, useS3, waitFor } from '../../test-support/index.js';
import { chunksToPixels } from '../src/canvas-image.js';
import { heatLevel, HEATMAP_PALETTE } from '../src/history-images.js';
import { createHistoryJobsClient, HISTORY_QUEUE_PREFIX, historyQueueName, type HistoryJobsClient, type HistoryJobView } from '../src/history-jobs-client.js';
import { hashUser } from '../src/placement-dataset.js';
import { createSnapshotClient, type SnapshotClient } from '../src/snapshot-client.js';
import { frameTime } from '../src/timelapse-render.js';
import { bucket, buildSnapshotter, createTestCanvas, dumpCanvas, freshCanvasId, PALETTE, type TestSnapshotter } from './support/harness.js';

const WIDTH = 40;
const HEIGHT = 30;
const SALT = 'a-test-salt-of-enough-length';

interface StreamEvent {
  ms: number;
  x: number;
  y: number;
  color: number;
  userId: string;
}

/** ffmpeg decodes the video to raw rgb24 frames: an independent reading of what was encoded. */
async function decodeVideo(bytes: Uint8Array): Promise<Buffer> {
  const child = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'mp4', '-i', 'pipe:0', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1']);
  const out: Buffer[] = [];
  child.stdout.on('data', (data: Buffer) => out.push(data));
  let stderr = '';
  child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
  child.stdin.end(Buffer.from(bytes));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  assert.equal(code, 0, stderr);
  return Buffer.concat(out);
}

async function probe(bytes: Uint8Array): Promise<Record<string, string>> {
  const child = spawn('ffprobe', [
    '-v',
    'error',
    '-select_streams',
    'v:0',
    '-count_frames',
    '-show_entries',
    'stream=codec_name,pix_fmt,width,height,nb_read_frames',
    '-of',
    'default=nw=1',
    'pipe:0',
  ]);
  let text = '';
  child.stdout.on('data', (data: Buffer) => (text += data.toString()));
  child.stdin.on('error', () => undefined);
  child.stdin.end(Buffer.from(bytes));
  await new Promise((resolve) => child.once('close', resolve));
  return Object.fromEntries(
    text
      .trim()
      .split('\n')
      .map((line) => line.split('=') as [string, string]),
  );
}

describe('history jobs: timelapse, heatmap, virgin map and datasets from the archive', function () {
  this.timeout(120_000);
  let redis: Redis;
  let built: TestSnapshotter;
  let snapshots: SnapshotClient;
  let jobs: HistoryJobsClient;
  // Before useRedis and useS3: their `after` hooks stop the servers, and hooks run in the order they were added.
  after(async function () {
    await jobs?.close();
    await snapshots?.close();
    await built?.stop();
    redis?.disconnect();
  });
  const server = useRedis();
  const s3 = useS3();
  let canvasId: string;
  let events: StreamEvent[];
  let from: number;
  let to: number;

  const finished = async (id: string): Promise<HistoryJobView> =>
    waitFor(
      async () => {
        const job = await jobs.get(id);
        if (job?.state === 'failed') throw new Error(`job ${id} failed: ${job.error}`);
        return job?.state === 'completed' ? job : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 100 },
    );

  const artifact = async (job: HistoryJobView): Promise<Uint8Array> => {
    const store = bucket(s3, canvasId);
    try {
      return await store.get(job.result!.key);
    } finally {
      store.close();
    }
  };

  /** The test's own replay of the stream: the canvas region at `atMs`. */
  const replay = (atMs: number, region = { x: 0, y: 0, width: WIDTH, height: HEIGHT }): Uint8Array => {
    const pixels = new Uint8Array(region.width * region.height);
    for (const event of events) {
      if (event.ms > atMs) break;
      const column = event.x - region.x;
      const row = event.y - region.y;
      if (column >= 0 && row >= 0 && column < region.width && row < region.height) pixels[row * region.width + column] = event.color;
    }
    return pixels;
  };

  const place = async (placer: Awaited<ReturnType<typeof createTestCanvas>>, count: number, user: string): Promise<void> => {
    for (let i = 0; i < count; i++) {
      const outcome = await placer.place({
        x: Math.floor(Math.random() * WIDTH),
        y: Math.floor(Math.random() * HEIGHT),
        color: 1 + Math.floor(Math.random() * (PALETTE.length - 1)),
        userId: `${user}-${i % 3}`,
        ip: '127.0.0.1',
        applyIpCooldown: false,
      });
      assert.ok(outcome.ok);
    }
  };

  before(async function () {
    redis = new Redis(server.url);
    canvasId = freshCanvasId();
    const placer = await createTestCanvas(redis, canvasId, WIDTH, HEIGHT);
    built = await buildSnapshotter({
      redisUrl: server.url,
      s3Env: s3.env,
      canvasId,
      env: { CANVAS_WIDTH: String(WIDTH), CANVAS_HEIGHT: String(HEIGHT), DATASET_USER_SALT: SALT },
    });
    await built.snapshotter.start();
    snapshots = createSnapshotClient({ connection: redis, canvasId });
    jobs = createHistoryJobsClient({ connection: redis, canvasId });
    // A history in three parts: before the first snapshot, between two, and still only in the stream.
    await snapshots.takeNow();
    await place(placer, 150, 'early');
    await snapshots.takeNow();
    await place(placer, 150, 'middle');
    const painted = await paintRegion(
      redis,
      canvasId,
      { x: 3, y: 4, width: 5, height: 3 },
      { fill: 7 },
      { userId: 'admin:alice', streamMaxLength: 100_000, refuseWhileRemapping: false },
    );
    assert.equal(painted.kind, 'painted');
    await snapshots.takeNow();
    await place(placer, 100, 'late');
    const entries = (await redis.xrange(canvasKeys(canvasId).events, '-', '+')) as [string, string[]][];
    events = parseEntries(entries).events.map((event) => ({ ms: event.position.ms, x: event.x, y: event.y, color: event.color, userId: event.userId }));
    from = events[0]!.ms;
    to = events[events.length - 1]!.ms;
    assert.ok(to > from, 'the scripted history spans some time');
  });

  it('renders a lossless timelapse whose every frame is the replayed canvas and whose last frame is the canvas in Redis', async function () {
    const region = { x: 0, y: 0, width: WIDTH, height: HEIGHT };
    const request = { kind: 'timelapse', from, to, region, durationSeconds: 2, fps: 12, scale: 2, quality: 'lossless' };
    const started = await jobs.start(request, 'test', { width: WIDTH, height: HEIGHT });
    assert.ok(started.ok, JSON.stringify(started));
    const job = await finished(started.job.id);
    assert.equal(job.result!.frames, 24);
    assert.equal(job.progress.fraction, 1);
    const video = await decodeVideo(await artifact(job));
    const frameBytes = WIDTH * 2 * HEIGHT * 2 * 3;
    assert.equal(video.length, 24 * frameBytes, 'ffmpeg decodes exactly 24 frames');
    const colors = PALETTE.map((color) => parseHexColor(color));
    const expectFrame = (pixels: Uint8Array): Buffer => {
      const out = Buffer.alloc(frameBytes);
      for (let y = 0; y < HEIGHT * 2; y++) {
        for (let x = 0; x < WIDTH * 2; x++) out.set(colors[pixels[(y >> 1) * WIDTH + (x >> 1)]!]!, (y * WIDTH * 2 + x) * 3);
      }
      return out;
    };
    for (let i = 0; i < 24; i++) {
      const frame = video.subarray(i * frameBytes, (i + 1) * frameBytes);
      assert.ok(frame.equals(expectFrame(replay(frameTime({ from, to }, 24, i)))), `frame ${i} is the canvas replayed to its time`);
    }
    const dump = await dumpCanvas(redis, canvasId);
    const canvas = chunksToPixels(
      WIDTH,
      HEIGHT,
      [...dump.chunks].map(([key, bytes]) => ({ cx: Number(key.split(',')[0]), cy: Number(key.split(',')[1]), bytes: new Uint8Array(bytes) })),
    );
    assert.ok(video.subarray(23 * frameBytes).equals(expectFrame(canvas.pixels)), 'the last frame equals the canvas in Redis byte for byte');
  });

  it('renders a standard timelapse as H.264 yuv420p that players play, odd sides padded even', async function () {
    const request = { kind: 'timelapse', from, to, region: { x: 1, y: 2, width: 21, height: 13 }, durationSeconds: 1, fps: 10, scale: 1 };
    const started = await jobs.start(request, 'test', { width: WIDTH, height: HEIGHT });
    assert.ok(started.ok, JSON.stringify(started));
    const job = await finished(started.job.id);
    const info = await probe(await artifact(job));
    assert.deepEqual([info.codec_name, info.pix_fmt, info.width, info.height, info.nb_read_frames], ['h264', 'yuv420p', '22', '14', '10']);
  });

  it('makes a heatmap whose levels match a replay of the stream, rollbacks not counted', async function () {
    const region = { x: 5, y: 5, width: 30, height: 20 };
    const started = await jobs.start({ kind: 'heatmap', from, to, region }, 'test', { width: WIDTH, height: HEIGHT });
    assert.ok(started.ok);
    const job = await finished(started.job.id);
    const png = decode(await artifact(job));
    assert.deepEqual([png.width, png.height], [30, 20]);
    const counts = new Uint32Array(30 * 20);
    for (const event of events) {
      if (event.userId.startsWith('admin:')) continue;
      const column = event.x - 5;
      const row = event.y - 5;
      if (column >= 0 && row >= 0 && column < 30 && row < 20) counts[row * 30 + column]!++;
    }
    const max = Math.max(...counts);
    assert.ok(max >= 2, 'some pixel was placed more than once');
    const expected = Array.from(counts, (count) => heatLevel(count, max));
    assert.deepEqual(Array.from(png.data), expected);
    assert.deepEqual(png.palette?.[255], [...HEATMAP_PALETTE[255]!]);
  });

  it('makes a virgin map of the pixels nobody placed in the range', async function () {
    const middle = events[Math.floor(events.length / 2)]!.ms;
    const started = await jobs.start({ kind: 'virgin-map', from: middle, to }, 'test', { width: WIDTH, height: HEIGHT });
    assert.ok(started.ok);
    const job = await finished(started.job.id);
    const png = decode(await artifact(job));
    const placed = new Uint8Array(WIDTH * HEIGHT);
    for (const event of events) if (event.ms >= middle && !event.userId.startsWith('admin:')) placed[event.y * WIDTH + event.x] = 1;
    assert.ok(placed.includes(0) && placed.includes(1));
    assert.deepEqual(Array.from(png.data), Array.from(placed));
  });

  const expectedRows = (): Record<string, unknown>[] => {
    const rows: Record<string, unknown>[] = [];
    let admin = false;
    for (const event of events) {
      if (event.userId.startsWith('admin:')) {
        // The fill changed every pixel of the 5×3 rectangle that was not already colour 7.
        if (!admin) rows.push({ timestamp_ms: event.ms, user_hash: hashUser(SALT, event.userId), admin: true });
        admin = true;
        continue;
      }
      admin = false;
      rows.push({
        timestamp_ms: event.ms,
        user_hash: hashUser(SALT, event.userId),
        x: event.x,
        y: event.y,
        x2: null,
        y2: null,
        color_hex: PALETTE[event.color],
        color_index: event.color,
      });
    }
    return rows;
  };

  const checkRows = (rows: Record<string, unknown>[]): void => {
    const expected = expectedRows();
    const players = rows.filter((row) => row.x2 === null);
    assert.deepEqual(
      players,
      expected.filter((row) => !row.admin),
    );
    const rectangles = rows.filter((row) => row.x2 !== null);
    assert.ok(rectangles.length >= 1);
    // The rectangles cover exactly the pixels the rollback's events changed, in colour 7, by alice's hash.
    const covered = new Set<string>();
    for (const rect of rectangles) {
      assert.equal(rect.color_index, 7);
      assert.equal(rect.user_hash, hashUser(SALT, 'admin:alice'));
      for (let y = Number(rect.y); y <= Number(rect.y2); y++) for (let x = Number(rect.x); x <= Number(rect.x2); x++) covered.add(`${x},${y}`);
    }
    const changed = new Set(events.filter((event) => event.userId === 'admin:alice').map((event) => `${event.x},${event.y}`));
    assert.deepEqual([...covered].sort(), [...changed].sort());
    assert.equal(rows.length, players.length + rectangles.length);
  };

  it('exports every placement as Parquet that an independent reader reads back exactly', async function () {
    const started = await jobs.start({ kind: 'dataset', from, to, format: 'parquet' }, 'test', { width: WIDTH, height: HEIGHT });
    assert.ok(started.ok);
    const job = await finished(started.job.id);
    const bytes = await artifact(job);
    const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const rows = (await parquetReadObjects({ file })).map((row) => ({ ...row, timestamp_ms: Number(row.timestamp_ms) }));
    assert.equal(job.result!.rows, rows.length);
    checkRows(rows);
  });

  it('exports the same rows as CSV, and signs a download link that serves the file', async function () {
    const started = await jobs.start({ kind: 'dataset', from, to, format: 'csv' }, 'test', { width: WIDTH, height: HEIGHT });
    assert.ok(started.ok);
    const job = await finished(started.job.id);
    const link = await jobs.link(job.id);
    assert.ok(link);
    const response = await fetch(link.url);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-disposition') ?? '', /attachment; filename=".*placements.*\.csv"/);
    const text = await response.text();
    assert.equal(text, Buffer.from(await artifact(job)).toString('utf8'));
    const [header, ...lines] = text.trim().split('\n');
    assert.equal(header, 'timestamp_ms,user_hash,x,y,x2,y2,color_hex,color_index');
    const rows = lines.map((line) => {
      const [ts, user, x, y, x2, y2, hex, index] = line.split(',');
      return {
        timestamp_ms: Number(ts),
        user_hash: user,
        x: Number(x),
        y: Number(y),
        x2: x2 === '' ? null : Number(x2),
        y2: y2 === '' ? null : Number(y2),
        color_hex: hex,
        color_index: Number(index),
      };
    });
    checkRows(rows);
  });

  it('refuses a job flood beyond the queue limit with HISTORY_JOBS_BUSY', async function () {
    // A queue of its own with no worker: the jobs stay waiting.
    const idle = createHistoryJobsClient({ connection: redis, canvasId: `${canvasId}-idle` });
    try {
      const request = { kind: 'heatmap', from, to };
      for (let i = 0; i < 4; i++) assert.ok((await idle.start(request, 'flood', { width: WIDTH, height: HEIGHT })).ok);
      const refused = await idle.start(request, 'flood', { width: WIDTH, height: HEIGHT });
      assert.deepEqual(refused.ok ? 'accepted' : refused.code, 'HISTORY_JOBS_BUSY');
      assert.equal((await idle.list()).length, 4);
    } finally {
      await idle.close();
    }
  });

  it('fails a malformed job written straight into the queue without retrying it', async function () {
    const queue = new Queue(historyQueueName(canvasId), { connection: redis, prefix: HISTORY_QUEUE_PREFIX });
    try {
      const job = await queue.add('timelapse', { request: { kind: 'timelapse', from: to, to: from }, requestedBy: 'x' }, { attempts: 3 });
      const failed = await waitFor(async () => ((await job.getState()) === 'failed' ? queue.getJob(job.id!) : undefined), { timeoutMs: 30_000 });
      assert.match(failed.failedReason, /INVALID_RANGE/);
      assert.equal(failed.attemptsMade, 1);
    } finally {
      await queue.close();
    }
  });

  it('says so in the result when part of the range was trimmed from the stream before it was archived', async function () {
    const lossy = freshCanvasId();
    const placer = await createTestCanvas(redis, lossy, WIDTH, HEIGHT);
    // No scheduled snapshot may run between the placements and the trim: the test takes its own.
    const other = await buildSnapshotter({
      redisUrl: server.url,
      s3Env: s3.env,
      canvasId: lossy,
      env: { CANVAS_WIDTH: String(WIDTH), CANVAS_HEIGHT: String(HEIGHT), SNAPSHOT_INTERVAL_MS: '3600000' },
    });
    const lossyJobs = createHistoryJobsClient({ connection: redis, canvasId: lossy });
    const lossySnapshots = createSnapshotClient({ connection: redis, canvasId: lossy });
    try {
      await other.snapshotter.start();
      // The archive's starting point: one placement, snapshotted and archived.
      await place(placer, 1, 'seed');
      await lossySnapshots.takeNow();
      const began = Date.now() - 1;
      await place(placer, 20, 'lost');
      await redis.xtrim(canvasKeys(lossy).events, 'MAXLEN', 5);
      await lossySnapshots.takeNow();
      const started = await lossyJobs.start({ kind: 'heatmap', from: began, to: Date.now() }, 'test', { width: WIDTH, height: HEIGHT });
      assert.ok(started.ok);
      const job = await waitFor(
        async () => {
          const found = await lossyJobs.get(started.job.id);
          return found?.state === 'completed' ? found : undefined;
        },
        { timeoutMs: 60_000 },
      );
      assert.equal(job.result?.gap, true, JSON.stringify(job.result));
      assert.equal(job.result?.events, 5, 'the five placements the stream kept');
    } finally {
      await lossySnapshots.close();
      await lossyJobs.close();
      await other.stop();
    }
  });

  it('gives no link for a job that is not finished or does not exist', async function () {
    assert.equal(await jobs.link('999999'), undefined);
    assert.equal(await jobs.link('not-a-number'), undefined);
    assert.ok(parsePosition(`${from}-0`));
  });
});

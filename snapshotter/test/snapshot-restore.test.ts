import assert from 'node:assert/strict';
import { canvasKeys, parseHexColor } from '@tessera/protocol';
import { createRedisClient, waitForRedis } from '@tessera/runtime';
import { Redis } from 'ioredis';
import { decode } from 'fast-png';
import { useRedis, useS3, waitFor } from '../../test-support/index.js';
import { chunksToPixels, replaySegment } from '../src/canvas-image.js';
import { decodeSegment } from '../src/history-format.js';
import { createSnapshotClient, type SnapshotClient } from '../src/snapshot-client.js';
import { decodeSnapshot } from '../src/snapshot-format.js';
import { canvasFolder, HISTORY_DIR } from '../src/snapshot-keys.js';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import {
  bucket,
  buildSnapshotter,
  createTestCanvas,
  dumpCanvas,
  freshCanvasId,
  PALETTE,
  placeRandom,
  testLog,
  wipeCanvas,
  type TestSnapshotter,
} from './support/harness.js';

const WIDTH = 600;
const HEIGHT = 300;

describe('snapshots and restore', function () {
  this.timeout(20_000);
  const server = useRedis();
  const s3 = useS3();
  let redis: Redis;
  const started: TestSnapshotter[] = [];
  const clients: SnapshotClient[] = [];

  const snapshotter = async (canvasId: string): Promise<TestSnapshotter> => {
    const built = await buildSnapshotter({ redisUrl: server.url, s3Env: s3.env, canvasId });
    started.push(built);
    return built;
  };
  const client = async (canvasId: string): Promise<SnapshotClient> => {
    // As the gateway would: its own fail-fast command client, shared with the snapshot client.
    const connection = createRedisClient({ url: server.url, sentinels: [], sentinelMaster: 'mymaster' }, testLog, { name: 'admin-test' });
    await waitForRedis(connection, 5_000);
    const made = createSnapshotClient({ connection, canvasId, timeoutMs: 10_000 });
    clients.push({
      ...made,
      close: async () => {
        await made.close();
        connection.disconnect();
      },
    });
    return made;
  };

  before(() => {
    redis = new Redis(server.url);
    // useRedis stops the server in its own `after`, which runs before ours.
    redis.on('error', () => undefined);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((made) => made.close()));
    await Promise.all(started.splice(0).map((built) => built.stop()));
  });
  after(() => redis.disconnect());

  it('restores a wiped canvas and its config byte for byte before it reports ready', async () => {
    const canvasId = freshCanvasId();
    await placeRandom(await createTestCanvas(redis, canvasId, WIDTH, HEIGHT), { count: 400, width: WIDTH, height: HEIGHT });
    // Fields a restore must carry over as they are, including ones it does not know.
    await redis.hset(canvasKeys(canvasId).config, 'paused', '1', 'title', 'launch party');
    const original = await dumpCanvas(redis, canvasId);
    assert.ok(original.chunks.size >= 4);

    const first = await snapshotter(canvasId);
    const taken = await first.snapshotter.service.take();
    assert.equal(taken.taken, true);
    await first.stop();

    await wipeCanvas(redis, canvasId);
    await redis.hset(canvasKeys(canvasId).writerState, 'epoch', '5', 'seq', '9', 'cursor', '1-0');
    const second = await snapshotter(canvasId);
    assert.notEqual(second.snapshotter.readiness(), undefined, 'not ready before start');
    const starting = second.snapshotter.start();
    assert.notEqual(second.snapshotter.readiness(), undefined, 'not ready while restoring');
    await starting;
    assert.equal(second.snapshotter.readiness(), undefined);

    const restored = await dumpCanvas(redis, canvasId);
    assert.deepEqual([...restored.chunks.keys()].sort(), [...original.chunks.keys()].sort());
    for (const [id, bytes] of original.chunks) assert.ok(restored.chunks.get(id)!.equals(bytes), `chunk ${id} differs`);
    const { version: before, ...config } = original.config;
    const { version: after, ...restoredConfig } = restored.config;
    assert.deepEqual(restoredConfig, config);
    assert.ok(Number(after) > Number(before), 'clients see a newer config version');
    assert.equal(await redis.exists(canvasKeys(canvasId).writerState), 0, 'the writer starts a new epoch');
    assert.equal(await second.metric('tessera_restore_duration_seconds', 'tessera_restore_duration_seconds_count'), 1);
  });

  it('creates the canvas from the defaults when Redis and S3 are both empty', async () => {
    const canvasId = freshCanvasId();
    const built = await snapshotter(canvasId);
    await built.snapshotter.start();
    const config = await redis.hgetall(canvasKeys(canvasId).config);
    assert.equal(config.width, '600');
    assert.equal(config.height, '300');
    assert.equal(config.cooldownMs, '0');
  });

  it('writes an indexed PNG that decodes to exactly the canvas palette colours', async () => {
    const canvasId = freshCanvasId();
    await placeRandom(await createTestCanvas(redis, canvasId, WIDTH, HEIGHT), { count: 300, width: WIDTH, height: HEIGHT });
    const built = await snapshotter(canvasId);
    const result = await built.snapshotter.service.take();
    assert.ok(result.taken);
    const objects = bucket(s3, canvasId);
    try {
      const png = decode(await objects.get(result.pngKey));
      assert.equal(png.width, WIDTH);
      assert.equal(png.height, HEIGHT);
      assert.equal(png.channels, 1, 'indexed');
      assert.deepEqual(
        png.palette,
        PALETTE.map((color) => parseHexColor(color)),
      );
      const { chunks } = await dumpCanvas(redis, canvasId);
      const expected = chunksToPixels(
        WIDTH,
        HEIGHT,
        [...chunks].map(([id, bytes]) => {
          const [cx, cy] = id.split(',').map(Number);
          return { cx: cx!, cy: cy!, bytes };
        }),
      );
      assert.ok(Buffer.from(png.data).equals(Buffer.from(expected.pixels)), 'every pixel is its palette index');
      assert.equal(await built.metric('tessera_snapshot_bytes'), result.bytes + result.pngBytes);
    } finally {
      objects.close();
    }
  });

  it('does not snapshot a canvas that has not changed', async () => {
    const canvasId = freshCanvasId();
    const placer = await createTestCanvas(redis, canvasId, WIDTH, HEIGHT);
    await placeRandom(placer, { count: 50, width: WIDTH, height: HEIGHT });
    const built = await snapshotter(canvasId);
    const first = await built.snapshotter.service.take();
    assert.ok(first.taken);
    assert.deepEqual(await built.snapshotter.service.take(), { taken: false, reason: 'unchanged', key: first.key });
    assert.equal(await built.metric('tessera_snapshot_skipped_total'), 1);
    // A config change moves no stream position but is a change.
    await redis.hset(canvasKeys(canvasId).config, 'cooldownMs', '1000', 'version', '2');
    assert.equal((await built.snapshotter.service.take()).taken, true);
  });

  it('archives the placements between two snapshots so that replaying them over the first gives the second', async () => {
    const canvasId = freshCanvasId();
    const placer = await createTestCanvas(redis, canvasId, WIDTH, HEIGHT);
    await placeRandom(placer, { count: 200, width: WIDTH, height: HEIGHT });
    const built = await snapshotter(canvasId);
    const first = await built.snapshotter.service.take();
    await placeRandom(placer, { count: 700, width: WIDTH, height: HEIGHT });
    const second = await built.snapshotter.service.take();
    assert.ok(first.taken && second.taken);
    assert.equal(second.eventsArchived, 700);
    assert.equal(await built.metric('tessera_history_events_archived_total'), 900);

    const objects = bucket(s3, canvasId);
    try {
      const listed = await objects.client.send(new ListObjectsV2Command({ Bucket: 'tessera', Prefix: canvasFolder('tessera/', canvasId) + HISTORY_DIR }));
      const keys = (listed.Contents ?? []).map((item) => item.Key!.slice(canvasFolder('tessera/', canvasId).length)).sort();
      const segments = await Promise.all(keys.map(async (key) => decodeSegment(await objects.get(key))));
      const following = segments.filter((segment) => `${segment.after.ms}-${segment.after.seq}` === first.position);
      assert.equal(following.length, 1, 'one segment continues from the first snapshot');
      assert.equal(`${following[0]!.until.ms}-${following[0]!.until.seq}`, second.position, 'and ends at the second');

      const older = await decodeSnapshot(await objects.get(first.key));
      const newer = await decodeSnapshot(await objects.get(second.key));
      const image = chunksToPixels(older.width, older.height, older.chunks);
      replaySegment(image, following[0]!);
      const expected = chunksToPixels(newer.width, newer.height, newer.chunks);
      assert.ok(Buffer.from(image.pixels).equals(Buffer.from(expected.pixels)), 'the replay reproduces the second snapshot');
      assert.ok(following[0]!.events.every((event) => /^user-\d$/.test(event.userId)));
    } finally {
      objects.close();
    }
  });

  it('refuses corrupt and truncated snapshots with a clear error and leaves the canvas as it was', async () => {
    const canvasId = freshCanvasId();
    await placeRandom(await createTestCanvas(redis, canvasId, WIDTH, HEIGHT), { count: 300, width: WIDTH, height: HEIGHT });
    const built = await snapshotter(canvasId);
    await built.snapshotter.start();
    const good = await built.snapshotter.service.take();
    assert.ok(good.taken);
    const objects = bucket(s3, canvasId);
    try {
      const bytes = await objects.get(good.key);
      const flipped = Uint8Array.from(bytes);
      flipped[Math.floor(bytes.length / 2)] = flipped[Math.floor(bytes.length / 2)]! ^ 0x5a;
      const damaged: [string, Uint8Array, RegExp][] = [
        ['snapshots/1000000000001_0000000000000-0000000000.tsnap', bytes.subarray(0, Math.floor(bytes.length / 2)), /truncated or corrupt/],
        ['snapshots/1000000000002_0000000000000-0000000000.tsnap', flipped, /corrupt/],
        ['snapshots/1000000000003_0000000000000-0000000000.tsnap', new TextEncoder().encode('<html>502 Bad Gateway</html>'), /not a snapshot/],
      ];
      await placeRandom(await createTestCanvas(redis, canvasId, WIDTH, HEIGHT), { count: 20, width: WIDTH, height: HEIGHT });
      const before = await dumpCanvas(redis, canvasId);
      const admin = await client(canvasId);
      for (const [key, body, reason] of damaged) {
        await objects.put(key, body);
        await assert.rejects(admin.restore(key), (error: Error) => {
          assert.match(error.message, reason);
          assert.match(error.message, new RegExp(key.replace(/\./g, '\\.')), 'the error names the object');
          return true;
        });
      }
      await assert.rejects(admin.restore('../../other-bucket-object'), /not a snapshot key/);
      await assert.rejects(admin.restore('snapshots/1000000000009_0000000000000-0000000000.tsnap'), /does not exist/);
      assert.deepEqual(await dumpCanvas(redis, canvasId), before, 'the canvas is untouched');
      assert.equal(await built.metric('tessera_snapshot_failures_total'), damaged.length + 2);
    } finally {
      objects.close();
    }
  });

  it('skips a damaged newest snapshot at start-up and restores the newest good one', async () => {
    const canvasId = freshCanvasId();
    await placeRandom(await createTestCanvas(redis, canvasId, WIDTH, HEIGHT), { count: 300, width: WIDTH, height: HEIGHT });
    const original = await dumpCanvas(redis, canvasId);
    const first = await snapshotter(canvasId);
    const good = await first.snapshotter.service.take();
    assert.ok(good.taken);
    const objects = bucket(s3, canvasId);
    try {
      // A newer snapshot whose write was cut short (and that latest.json never pointed at).
      const bytes = await objects.get(good.key);
      await objects.put(`snapshots/${Date.now() + 60_000}_0000000000000-0000000000.tsnap`, bytes.subarray(0, 100));
    } finally {
      objects.close();
    }
    await wipeCanvas(redis, canvasId);
    const second = await snapshotter(canvasId);
    await second.snapshotter.start();
    const restored = await dumpCanvas(redis, canvasId);
    for (const [id, bytes] of original.chunks) assert.ok(restored.chunks.get(id)?.equals(bytes), `chunk ${id}`);
  });

  it('reads a rectangle of a snapshot for rolling an area back', async () => {
    const canvasId = freshCanvasId();
    await placeRandom(await createTestCanvas(redis, canvasId, WIDTH, HEIGHT), { count: 2_000, width: WIDTH, height: HEIGHT });
    const built = await snapshotter(canvasId);
    await built.snapshotter.start();
    const admin = await client(canvasId);
    const taken = await admin.takeNow();
    const key = taken.key!;
    const { chunks } = await dumpCanvas(redis, canvasId);
    const image = chunksToPixels(
      WIDTH,
      HEIGHT,
      [...chunks].map(([id, bytes]) => {
        const [cx, cy] = id.split(',').map(Number);
        return { cx: cx!, cy: cy!, bytes };
      }),
    );
    // Across chunk borders, and past the right and bottom edges of the canvas.
    const rect = { x: 200, y: 240, width: 450, height: 100 };
    const pixels = await admin.readRegion(key, rect);
    assert.equal(pixels.length, rect.width * rect.height);
    for (let row = 0; row < rect.height; row++) {
      for (let column = 0; column < rect.width; column++) {
        const [x, y] = [rect.x + column, rect.y + row];
        const expected = x < WIDTH && y < HEIGHT ? image.pixels[y * WIDTH + x] : 0;
        assert.equal(pixels[row * rect.width + column], expected, `pixel ${x},${y}`);
      }
    }
    await assert.rejects(admin.readRegion(key, { x: 0, y: 0, width: 0, height: 5 }), /width and height/);
    await assert.rejects(admin.readRegion('snapshots/nope.tsnap', { x: 0, y: 0, width: 1, height: 1 }), /not a snapshot key/);
  });

  it('restores a chosen snapshot on request, keeps the replaced canvas, and tells connected clients to resync', async () => {
    const canvasId = freshCanvasId();
    const placer = await createTestCanvas(redis, canvasId, WIDTH, HEIGHT);
    await placeRandom(placer, { count: 200, width: WIDTH, height: HEIGHT });
    const built = await snapshotter(canvasId);
    await built.snapshotter.start();
    const admin = await client(canvasId);
    // The schedule's first run may have snapshotted this canvas already: then it is unchanged.
    const taken = await admin.takeNow();
    const old = { key: taken.key! };
    assert.ok(taken.taken || taken.reason === 'unchanged');
    const oldCanvas = await dumpCanvas(redis, canvasId);
    await placeRandom(placer, { count: 300, width: WIDTH, height: HEIGHT });
    const replaced = await dumpCanvas(redis, canvasId);
    await redis.hset(canvasKeys(canvasId).writerState, 'epoch', '5', 'seq', '9', 'cursor', '1-0');

    const subscriber = new Redis(server.url);
    const messages: Buffer[] = [];
    subscriber.on('pmessageBuffer', (_pattern: Buffer, _channel: Buffer, message: Buffer) => messages.push(message));
    await subscriber.psubscribe(`${canvasKeys(canvasId).socketIo}#/#canvas:${canvasId}#*`);
    try {
      const result = await admin.restore(old.key);
      assert.equal(result.key, old.key);
      const now = await dumpCanvas(redis, canvasId);
      assert.deepEqual(now.chunks, oldCanvas.chunks);
      assert.ok(Number(now.config.version) > Number(replaced.config.version));
      assert.equal(result.configVersion, Number(now.config.version));
      assert.equal(await redis.exists(canvasKeys(canvasId).writerState), 0);
      await waitFor(() => messages.some((message) => message.includes('resync')), { message: 'a resync broadcast' });

      // The canvas it replaced was snapshotted first, so the restore can be undone.
      assert.ok(result.before && result.before !== old.key);
      const listed = await admin.list();
      assert.deepEqual(
        listed.map((info) => info.key),
        [result.after, result.before, old.key],
        'newest first: the record of the restore, the replaced canvas, the original',
      );
      const undo = await admin.restore(result.before);
      assert.ok(undo.configVersion > result.configVersion);
      assert.deepEqual((await dumpCanvas(redis, canvasId)).chunks, replaced.chunks);
    } finally {
      subscriber.disconnect();
    }
  });
});

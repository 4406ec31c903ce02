// The admin snapshot endpoints against a real snapshotter process (from snapshotter/dist/main.js)
// and a real S3-compatible server: list, take now, restore.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { canvasKeys, type CanvasConfig, type PlaceResult, type SnapshotList } from '@tessera/protocol';
import { Redis } from 'ioredis';
import { spawnService, stopAll, type Service } from '../../scripts/lib/processes.mjs';
import { getFreePort, useRedis, useS3, waitFor, requireBuilt } from '../../test-support/index.js';
import { ADMIN_ENV, adminClient, OpenApiChecker } from './support/admin-harness.js';
import { connectPlayer, startGateway, type Player, type RunningGateway } from './support/gateway-harness.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SNAPSHOTTER_MAIN = `${ROOT}snapshotter/dist/main.js`;

describe('the admin snapshot endpoints with a snapshotter', function () {
  this.timeout(60_000);

  before(function () {
    requireBuilt(this, [SNAPSHOTTER_MAIN, `${ROOT}snapshotter/dist/snapshot-client.js`]);
  });

  const services: Service[] = [];
  let gateway: RunningGateway;
  let api: ReturnType<typeof adminClient>;
  let redis: Redis;
  const players: Player[] = [];
  after(async () => {
    players.forEach((player) => player.socket.close());
    await gateway?.close();
    await stopAll(services, 5_000);
    redis?.disconnect();
  });
  const redisServer = useRedis();
  const s3 = useS3();

  before(async () => {
    redis = new Redis(redisServer.url);
    redis.on('error', () => undefined);
    // This gateway creates the canvas at its own size, before the snapshotter starts.
    const env = { ...ADMIN_ENV, SNAPSHOTS_ENABLED: 'true', CANVAS_BOOTSTRAP: 'create', CANVAS_WIDTH: '300', CANVAS_HEIGHT: '200', CANVAS_CACHE_MS: '100' };
    gateway = await startGateway(redisServer.url, env);
    api = adminClient(gateway.url, await OpenApiChecker.fetch(gateway.url));
    const port = await getFreePort();
    const output = process.env.TESSERA_E2E_LOGS ? process.stdout : new PassThrough().resume();
    services.push(
      spawnService({
        name: 'snapshotter',
        command: process.execPath,
        args: [SNAPSHOTTER_MAIN],
        env: {
          PATH: process.env.PATH ?? '',
          LOG_LEVEL: 'warn',
          REDIS_URL: redisServer.url,
          HTTP_PORT: String(port),
          SNAPSHOT_INTERVAL_MS: '600000',
          ...s3.env,
        },
        cwd: ROOT,
        stdout: output,
        stderr: output,
      }),
    );
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok, { timeoutMs: 30_000, message: 'snapshotter ready' });
  });

  it('takes a snapshot now, lists it, and restores it: the canvas comes back and players get the config', async () => {
    const player = await connectPlayer(gateway.url);
    players.push(player);
    const place = (x: number, y: number, color: number): Promise<PlaceResult> => player.socket.timeout(3000).emitWithAck('place', { x, y, color });
    assert.equal((await place(10, 10, 5)).ok, true);

    const taken = await api<{ taken: boolean; key: string }>('POST', '/snapshots');
    assert.equal(taken.status, 200, JSON.stringify(taken.body));
    assert.equal(taken.body.taken, true);
    const list = await api<SnapshotList>('GET', '/snapshots');
    assert.equal(list.status, 200);
    assert.ok(list.body.snapshots.some((snapshot) => snapshot.key === taken.body.key));

    assert.equal((await place(10, 10, 9)).ok, true);
    assert.equal((await place(20, 20, 9)).ok, true);
    const configs: CanvasConfig[] = [];
    player.socket.on('config', (config: CanvasConfig) => configs.push(config));
    const restored = await api<{ config: CanvasConfig; snapshot: string }>('POST', '/snapshots/restore', { key: taken.body.key });
    assert.equal(restored.status, 200, JSON.stringify(restored.body));
    const chunk = await redis.getBuffer(canvasKeys('main').chunk(0, 0));
    assert.equal(chunk?.[10 * 256 + 10], 5);
    assert.equal(chunk?.[20 * 256 + 20] ?? 0, 0);
    await waitFor(() => configs.some((config) => config.version === restored.body.config.version), { message: 'the restored config pushed' });

    const missing = await api('POST', '/snapshots/restore', { key: 'snapshots/0000000000000_0-0.tsnap' });
    assert.equal(missing.status, 404, JSON.stringify(missing.body));
    const audit = await api<{ entries: { action: string; details: Record<string, unknown> }[] }>('GET', '/audit?limit=2');
    assert.deepEqual(
      audit.body.entries.map((entry) => entry.action),
      ['snapshot.restore', 'snapshot.take'],
    );
    assert.equal(audit.body.entries[0]?.details.key, taken.body.key);
  });

  it('rolls a rectangle back to a snapshot through the event stream, leaving the rest alone', async () => {
    const player = await connectPlayer(gateway.url);
    players.push(player);
    const place = (x: number, y: number, color: number): Promise<PlaceResult> => player.socket.timeout(3000).emitWithAck('place', { x, y, color });
    assert.equal((await place(50, 50, 3)).ok, true);
    const taken = await api<{ taken: boolean; key: string }>('POST', '/snapshots');
    assert.equal(taken.status, 200, JSON.stringify(taken.body));
    // Vandalism inside and outside the rectangle.
    for (const [x, y] of [
      [50, 50],
      [51, 51],
      [60, 60],
    ] as const)
      assert.equal((await place(x, y, 7)).ok, true);
    const eventsBefore = await redis.xlen(canvasKeys('main').events);

    const rolled = await api<{ changed: number; pixels: number }>('POST', '/rollback/restore', {
      x: 45,
      y: 45,
      width: 10,
      height: 10,
      snapshot: taken.body.key,
    });
    assert.equal(rolled.status, 200, JSON.stringify(rolled.body));
    assert.equal(rolled.body.changed, 2);
    const chunk = await redis.getBuffer(canvasKeys('main').chunk(0, 0));
    assert.equal(chunk?.[50 * 256 + 50], 3, 'restored to the snapshot colour');
    assert.equal(chunk?.[51 * 256 + 51], 0, 'restored to background');
    assert.equal(chunk?.[60 * 256 + 60], 7, 'outside the rectangle: untouched');
    assert.equal(await redis.xlen(canvasKeys('main').events), eventsBefore + 2, 'one event per changed pixel');
  });
});

// Who creates the canvas when a snapshotter serves it: the gateway waits (CANVAS_BOOTSTRAP's
// default with SNAPSHOTS_ENABLED), the snapshotter restores the newest snapshot or, on a fresh
// install, creates the canvas from its defaults. Real redis-server, S3 server and snapshotter.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { canvasKeys, type PlaceResult } from '@tessera/protocol';
import { readCanvasConfig } from '@tessera/store';
import { Redis } from 'ioredis';
import { spawnService, stopAll, type Service } from '../../scripts/lib/processes.mjs';
import { getFreePort, requireBuilt, useRedis, useS3, waitFor } from '../../test-support/index.js';
import { ADMIN_ENV, ADMIN_TOKEN } from './support/admin-harness.js';
import { connectPlayer, startGateway, type Player, type RunningGateway } from './support/gateway-harness.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SNAPSHOTTER_MAIN = `${ROOT}snapshotter/dist/main.js`;

describe('bootstrapping the canvas with a snapshotter', function () {
  this.timeout(60_000);
  before(function () {
    requireBuilt(this, [SNAPSHOTTER_MAIN]);
  });
  const redisServer = useRedis();
  const s3 = useS3();
  let redis: Redis;
  const services: Service[] = [];
  const gateways: RunningGateway[] = [];
  const players: Player[] = [];
  let canvasCounter = 0;

  before(() => {
    redis = new Redis(redisServer.url);
    redis.on('error', () => undefined);
  });
  afterEach(async () => {
    players.splice(0).forEach((player) => player.socket.close());
    await Promise.all(gateways.splice(0).map((gateway) => gateway.close()));
    await stopAll(services.splice(0), 10_000);
  });
  after(() => redis.disconnect());

  /** A gateway as the chart and the launcher run it next to a snapshotter: no CANVAS_BOOTSTRAP given. */
  async function gatewayFor(canvasId: string): Promise<RunningGateway> {
    const gateway = await startGateway(redisServer.url, {
      ...ADMIN_ENV,
      CANVAS_ID: canvasId,
      SNAPSHOTS_ENABLED: 'true',
      CANVAS_WIDTH: '300',
      CANVAS_HEIGHT: '200',
    });
    gateways.push(gateway);
    return gateway;
  }
  async function startSnapshotter(canvasId: string): Promise<void> {
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
          CANVAS_ID: canvasId,
          HTTP_PORT: String(port),
          SNAPSHOT_INTERVAL_MS: '600000',
          CANVAS_WIDTH: '400',
          CANVAS_HEIGHT: '250',
          ...s3.env,
        },
        cwd: ROOT,
        stdout: output,
        stderr: output,
      }),
    );
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok, { timeoutMs: 30_000, message: 'snapshotter ready' });
  }
  const readyz = async (gateway: RunningGateway): Promise<number> => (await fetch(`${gateway.url}/readyz`)).status;

  it('starts a fresh install: the gateway waits, the snapshotter finds no snapshot and creates the canvas from its defaults', async () => {
    const canvasId = `fresh${++canvasCounter}`;
    const gateway = await gatewayFor(canvasId);
    assert.equal(await readyz(gateway), 503, 'no canvas yet: the gateway does not create one itself');
    assert.equal(await redis.exists(canvasKeys(canvasId).config), 0);
    await startSnapshotter(canvasId);
    await waitFor(async () => (await readyz(gateway)) === 200, { timeoutMs: 15_000, message: 'the gateway to be ready' });
    const config = await readCanvasConfig(redis, canvasId);
    assert.deepEqual([config?.width, config?.height], [400, 250], "the snapshotter's defaults, not the gateway's");
  });

  it('after a Redis wipe, a gateway started before the snapshotter leaves the canvas to the restore', async () => {
    const canvasId = `wiped${++canvasCounter}`;
    const first = await gatewayFor(canvasId);
    await startSnapshotter(canvasId);
    await waitFor(async () => (await readyz(first)) === 200, { timeoutMs: 15_000, message: 'the first gateway to be ready' });
    const player = await connectPlayer(first.url);
    players.push(player);
    const placed = (await player.socket.timeout(3000).emitWithAck('place', { x: 7, y: 9, color: 5 })) as PlaceResult;
    assert.equal(placed.ok, true);
    const taken = await fetch(`${first.url}/api/admin/snapshots`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.equal(taken.status, 200, await taken.clone().text());

    // Everything stops, Redis loses everything, and a gateway comes up before the snapshotter.
    players.splice(0).forEach((one) => one.socket.close());
    await Promise.all(gateways.splice(0).map((gateway) => gateway.close()));
    await stopAll(services.splice(0), 10_000);
    await redis.flushall();
    const second = await gatewayFor(canvasId);
    assert.equal(await readyz(second), 503);
    assert.equal(await redis.exists(canvasKeys(canvasId).config), 0, 'the gateway did not create an empty canvas over the snapshot');

    await startSnapshotter(canvasId);
    await waitFor(async () => (await readyz(second)) === 200, { timeoutMs: 15_000, message: 'the restored canvas' });
    const chunk = await redis.getrangeBuffer(canvasKeys(canvasId).chunk(0, 0), 9 * 256 + 7, 9 * 256 + 7);
    assert.equal(chunk[0], 5, 'the pixel placed before the wipe is back');
  });
});

// Who creates the canvas when a snapshotter serves it: the gateway waits (CANVAS_BOOTSTRAP's
// default with SNAPSHOTS_ENABLED), the snapshotter restores the newest snapshot or, on a fresh
// install, creates the canvas from its defaults. Real redis-server, S3 server and snapshotter.
import assert from 'node:assert/strict';
import { canvasKeys, type PlaceResult } from '@tessera/protocol';
import { readCanvasConfig } from '@tessera/store';
import { requireBuilt, useS3, waitFor } from '../../test-support/index.js';
import { ADMIN_ENV, ADMIN_TOKEN } from './support/admin-harness.js';
import { useGateways, type RunningGateway } from './support/gateway-harness.js';
import { SNAPSHOTTER_MAIN, startSnapshotter } from './support/snapshotter-harness.js';

describe('bootstrapping the canvas with a snapshotter', function () {
  this.timeout(60_000);
  before(function () {
    requireBuilt(this, [SNAPSHOTTER_MAIN]);
  });
  const suite = useGateways();
  const s3 = useS3();
  let canvasCounter = 0;

  /** A gateway as the chart and the launcher run it next to a snapshotter: no CANVAS_BOOTSTRAP given. */
  const gatewayFor = (canvasId: string): Promise<RunningGateway> =>
    suite.startGateway({ ...ADMIN_ENV, CANVAS_ID: canvasId, SNAPSHOTS_ENABLED: 'true', CANVAS_WIDTH: '300', CANVAS_HEIGHT: '200' });
  /** A snapshotter whose canvas defaults (400×250) differ from the gateway's. */
  async function snapshotterFor(canvasId: string): Promise<void> {
    suite.services.push(await startSnapshotter(suite.redisServer.url, s3.env, { CANVAS_ID: canvasId, CANVAS_WIDTH: '400', CANVAS_HEIGHT: '250' }));
  }
  const readyz = async (gateway: RunningGateway): Promise<number> => (await fetch(`${gateway.url}/readyz`)).status;

  it('starts a fresh install: the gateway waits, the snapshotter finds no snapshot and creates the canvas from its defaults', async () => {
    const canvasId = `fresh${++canvasCounter}`;
    const gateway = await gatewayFor(canvasId);
    assert.equal(await readyz(gateway), 503, 'no canvas yet: the gateway does not create one itself');
    assert.equal(await suite.redis.exists(canvasKeys(canvasId).config), 0);
    await snapshotterFor(canvasId);
    await waitFor(async () => (await readyz(gateway)) === 200, { timeoutMs: 15_000, message: 'the gateway to be ready' });
    const config = await readCanvasConfig(suite.redis, canvasId);
    assert.deepEqual([config?.width, config?.height], [400, 250], "the snapshotter's defaults, not the gateway's");
  });

  it('after a Redis wipe, a gateway started before the snapshotter leaves the canvas to the restore', async () => {
    const canvasId = `wiped${++canvasCounter}`;
    const first = await gatewayFor(canvasId);
    await snapshotterFor(canvasId);
    await waitFor(async () => (await readyz(first)) === 200, { timeoutMs: 15_000, message: 'the first gateway to be ready' });
    const player = await suite.connect(first);
    const placed = (await player.socket.timeout(3000).emitWithAck('place', { x: 7, y: 9, color: 5 })) as PlaceResult;
    assert.equal(placed.ok, true);
    const taken = await fetch(`${first.url}/api/admin/snapshots`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.equal(taken.status, 200, await taken.clone().text());

    // Everything stops, Redis loses everything, and a gateway comes up before the snapshotter.
    await suite.closeAll();
    await suite.redis.flushall();
    const second = await gatewayFor(canvasId);
    assert.equal(await readyz(second), 503);
    assert.equal(await suite.redis.exists(canvasKeys(canvasId).config), 0, 'the gateway did not create an empty canvas over the snapshot');

    await snapshotterFor(canvasId);
    await waitFor(async () => (await readyz(second)) === 200, { timeoutMs: 15_000, message: 'the restored canvas' });
    const chunk = await suite.redis.getrangeBuffer(canvasKeys(canvasId).chunk(0, 0), 9 * 256 + 7, 9 * 256 + 7);
    assert.equal(chunk[0], 5, 'the pixel placed before the wipe is back');
  });
});

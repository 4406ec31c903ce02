// The admin snapshot endpoints against a real snapshotter process (from snapshotter/dist/main.js)
// and a real S3-compatible server: list, take now, restore.
import assert from 'node:assert/strict';
import { canvasKeys, type CanvasConfig, type PlaceResult, type SnapshotList } from '@tessera/protocol';
import { waitFor } from '../../test-support/index.js';
import { useAdminWithSnapshotter } from './support/snapshotter-harness.js';

describe('the admin snapshot endpoints with a snapshotter', function () {
  this.timeout(60_000);
  // The gateway creates the canvas at its own size, before the snapshotter starts.
  const suite = useAdminWithSnapshotter({ built: ['snapshot-client.js'], gatewayEnv: { CANVAS_CACHE_MS: '100' } });

  it('takes a snapshot now, lists it, and restores it: the canvas comes back and players get the config', async () => {
    const { api, redis } = suite;
    const player = await suite.connect(suite.gateway);
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
    const { api, redis } = suite;
    const player = await suite.connect(suite.gateway);
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

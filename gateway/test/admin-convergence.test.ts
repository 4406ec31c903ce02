// Live admin changes in a real cluster (gateway and writer processes from their dist/main.js):
// every client's canvas must still end byte for byte equal to Redis (invariant 4) when the canvas
// is resized, or colours removed, while players place pixels as fast as they can.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { ADMIN_API_BASE, type CanvasConfig } from '@tessera/protocol';
import { waitFor, requireBuilt } from '../../test-support/index.js';
import { assertConverged } from '../../e2e/test/support/canvas-truth.js';
import { Cluster } from '../../e2e/test/support/cluster.js';
import { ReplicaClient } from '../../e2e/test/support/replica-client.js';
import { ADMIN_TOKEN } from './support/admin-harness.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WIDTH = 600;
const HEIGHT = 400;

describe('admin changes during concurrent placement, in a cluster', function () {
  this.timeout(90_000);
  const cluster = new Cluster();
  const clients: ReplicaClient[] = [];

  before(async function () {
    requireBuilt(this, [`${ROOT}gateway/dist/main.js`, `${ROOT}writer/dist/main.js`]);
    await cluster.start({
      env: { CANVAS_WIDTH: String(WIDTH), CANVAS_HEIGHT: String(HEIGHT) },
      gatewayEnv: { ADMIN_TOKENS: `alice:${ADMIN_TOKEN}`, ADMIN_RATE_PER_MIN: '10000' },
      writerEnv: { SYNC_INTERVAL_MS: '1000' },
    });
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });
  after(() => cluster.stop());

  async function admin(method: string, path: string, body: unknown): Promise<Record<string, unknown>> {
    const response = await fetch(`${cluster.gatewayUrls[0]}${ADMIN_API_BASE}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const parsed = (await response.json()) as Record<string, unknown>;
    assert.equal(response.status, 200, `${method} ${path}: ${JSON.stringify(parsed)}`);
    return parsed;
  }

  async function connect(count: number): Promise<ReplicaClient[]> {
    const connected = Array.from({ length: count }, (_, i) => new ReplicaClient(cluster.gatewayUrls[i % cluster.gatewayUrls.length]!));
    clients.push(...connected);
    await Promise.all(connected.map((client) => client.ready()));
    return connected;
  }

  /** Each client places random pixels over `area` (beyond the canvas too: refused) until stopped. */
  function placeUntilStopped(players: readonly ReplicaClient[], area: { width: number; height: number }, colors: number) {
    let running = true;
    let accepted = 0;
    let refused = 0;
    const done = Promise.all(
      players.map(async (client) => {
        while (running) {
          const result = (await client.place(
            Math.floor(Math.random() * area.width),
            Math.floor(Math.random() * area.height),
            Math.floor(Math.random() * colors),
          )) as {
            ok: boolean;
          };
          if (result.ok) accepted++;
          else refused++;
        }
      }),
    );
    return {
      /** Resolves once `more` further placements were accepted: paces the test by work done, not by time. */
      async accepts(more: number) {
        const target = accepted + more;
        await waitFor(() => accepted >= target, { timeoutMs: 30_000, message: `${more} more accepted placements` });
      },
      async stop() {
        running = false;
        await done;
        return { accepted, refused };
      },
    };
  }

  it('converges when the canvas shrinks and grows while players place', async () => {
    const players = await connect(8);
    const placing = placeUntilStopped(players, { width: 800, height: 500 }, 32);
    await placing.accepts(100);
    const shrunk = (await admin('PUT', '/size', { width: 300, height: 250 })) as { config: CanvasConfig; erased: boolean };
    assert.equal(shrunk.erased, true);
    await placing.accepts(100);
    await admin('PUT', '/size', { width: 700, height: 450 });
    await placing.accepts(100);
    await admin('PUT', '/size', { width: 500, height: 300 });
    await placing.accepts(60);
    const { accepted, refused } = await placing.stop();
    assert.ok(accepted > 100 && refused > 0, `accepted ${accepted}, refused ${refused}`);
    await waitFor(() => players.every((client) => client.replica.width === 500 && client.replica.height === 300), {
      message: 'every client at the final size',
    });
    await assertConverged(cluster.redisUrl, players);
    assert.ok(
      players.every((client) => client.resyncs >= 2),
      'each shrink that erased told every client to re-read',
    );
  });

  it('converges when colours are removed while players place', async () => {
    const players = await connect(6);
    const placing = placeUntilStopped(players, { width: 500, height: 300 }, 30);
    await placing.accepts(100);
    const removed = (await admin('POST', '/palette/remove', {
      remove: [
        { index: 5, mapTo: 1 },
        { index: 20, mapTo: 0 },
      ],
    })) as { config: CanvasConfig };
    await placing.accepts(60);
    await placing.stop();
    await assertConverged(cluster.redisUrl, players);
    const paletteSize = removed.config.palette.length;
    assert.ok(players.every((client) => client.replica.toIndexArray().every((index) => index < paletteSize)));
  });
});

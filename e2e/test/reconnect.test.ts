import assert from 'node:assert/strict';
import { waitFor } from '../../test-support/index.js';
import { assertConverged } from './support/canvas-truth.js';
import { Cluster } from './support/cluster.js';
import { ReplicaClient } from './support/replica-client.js';

const WIDTH = 300;
const HEIGHT = 300;
const HERD = 100;

/**
 * Issue 16 item 4: a herd of players reconnecting while deltas flow. Deltas that reach a new
 * socket before its welcome belong to the new connection, not to the previous one's replica, so
 * no player may see a spurious sequence gap (and re-read the whole canvas for it), and every
 * player ends equal to Redis.
 */
describe('a herd of players reconnecting while the canvas is busy', function () {
  this.timeout(90_000);
  const cluster = new Cluster();
  const clients: ReplicaClient[] = [];

  // A delta every 50 ms: a delta between a socket's join and its welcome is then likely for some of the herd.
  before(() => cluster.start({ env: { CANVAS_WIDTH: String(WIDTH), CANVAS_HEIGHT: String(HEIGHT) }, writerEnv: { TICK_MS: '50' } }));
  after(async () => {
    for (const client of clients.splice(0)) client.close();
    await cluster.stop();
  });

  it('sees no sequence gap after its gateway crashes and comes back, and converges', async () => {
    const placer = new ReplicaClient(cluster.gatewayUrls[0]!);
    clients.push(placer);
    const herd = Array.from({ length: HERD }, () => new ReplicaClient(cluster.gatewayUrls[1]!));
    clients.push(...herd);
    await Promise.all(clients.map((client) => client.ready()));

    // Placements through the other gateway keep a delta on every writer tick throughout.
    let placing = true;
    let placed = 0;
    const placements = (async () => {
      while (placing) {
        const result = await placer.place(Math.floor(Math.random() * WIDTH), Math.floor(Math.random() * HEIGHT), 1 + Math.floor(Math.random() * 30));
        if (result.ok) placed++;
      }
    })();
    await waitFor(() => placed >= 50, { message: 'placements under way' });

    const welcomesBefore = herd.map((client) => client.welcomes);
    await cluster.crashAndRestartGateway(1);
    await waitFor(() => herd.every((client, index) => client.welcomes > welcomesBefore[index]!), {
      timeoutMs: 30_000,
      message: 'every player of the crashed gateway welcomed again',
    });
    const placedAtReconnect = placed;
    await waitFor(() => placed >= placedAtReconnect + 100, { message: 'placements after the herd is back' });
    placing = false;
    await placements;

    await assertConverged(cluster.redisUrl, clients, 15_000);
    const gaps = herd.flatMap((client) => client.refetchReasons.filter((reason) => reason.startsWith('sequence gap')));
    assert.deepEqual(gaps, [], 'no reconnecting player saw a spurious sequence gap');
  });
});

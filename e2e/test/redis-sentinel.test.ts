import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { startSentinelSet, type SentinelSet } from '../../scripts/lib/redis-topology.mjs';
import { requireBuilt, waitFor } from '../../test-support/index.js';
import { assertConverged, canvasIn } from './support/canvas-truth.js';
import { Cluster } from './support/cluster.js';
import { ReplicaClient } from './support/replica-client.js';

const WIDTH = 200;
const HEIGHT = 200;
const MASTER_PASSWORD = 'e2e-master-pw';
const SENTINEL_PASSWORD = 'e2e-sentinel-pw';

/** The master as the Sentinels name it now, as a plain client with the master's password. */
async function currentMaster(set: SentinelSet): Promise<Redis> {
  const sentinel = new Redis({ ...set.sentinelAddresses[0]!, password: SENTINEL_PASSWORD });
  try {
    const [host, port] = (await sentinel.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', set.masterName)) as [string, string];
    return new Redis({ host, port: Number(port), password: MASTER_PASSWORD });
  } finally {
    sentinel.disconnect();
  }
}

describe('a cluster on a password-protected master, a replica and three Sentinels', function () {
  this.timeout(120_000);
  let set: SentinelSet;
  const cluster = new Cluster();
  const clients: ReplicaClient[] = [];

  before(async function () {
    requireBuilt(this, ['gateway/dist/main.js', 'writer/dist/main.js']);
    set = await startSentinelSet({
      password: MASTER_PASSWORD,
      sentinelPassword: SENTINEL_PASSWORD,
      output: process.env.TESSERA_E2E_LOGS ? process.stdout : undefined,
    });
    await cluster.start({
      redisEnv: {
        REDIS_SENTINELS: set.sentinelAddresses.map(({ host, port }) => `${host}:${port}`).join(','),
        REDIS_SENTINEL_MASTER: set.masterName,
        REDIS_PASSWORD: MASTER_PASSWORD,
        REDIS_SENTINEL_PASSWORD: SENTINEL_PASSWORD,
      },
      env: { CANVAS_WIDTH: String(WIDTH), CANVAS_HEIGHT: String(HEIGHT) },
      writerEnv: { SYNC_INTERVAL_MS: '1000' },
    });
  });
  after(async () => {
    for (const client of clients.splice(0)) client.close();
    await cluster.stop();
    await set?.stop();
  });

  it('survives the master being killed: a replica is promoted, placements resume, no acknowledged pixel is lost, clients converge', async () => {
    const players = Array.from({ length: 6 }, (_, i) => new ReplicaClient(cluster.gatewayUrls[i % 2]!));
    clients.push(...players);
    await Promise.all(players.map((player) => player.ready()));

    // Every placement gets a pixel of its own, so the colour Redis holds must be the acknowledged one.
    const acknowledged = new Map<number, number>();
    let next = 0;
    let killedAt = 0;
    let firstAfterKill = 0;
    let firstRefusal = 0;
    let acceptedAfterKill = 0;
    let refusedOrUnknown = 0;
    let placing = true;
    const errors = new Map<string, number>();
    const loops = players.map(async (player) => {
      while (placing && next < WIDTH * HEIGHT) {
        const pixel = next++;
        const color = 1 + (pixel % 31);
        const outcome = await player.place(pixel % WIDTH, Math.floor(pixel / WIDTH), color);
        if (outcome.ok) {
          acknowledged.set(pixel, color);
          // Placements in flight at the kill may still be acknowledged: the outage starts at the first refusal.
          if (firstRefusal) {
            acceptedAfterKill++;
            firstAfterKill ||= Date.now();
          }
        } else {
          refusedOrUnknown++;
          if (killedAt) firstRefusal ||= Date.now();
          errors.set(outcome.error, (errors.get(outcome.error) ?? 0) + 1);
          // A Redis outage answers at once: pace the retries as a player's client would.
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
    });

    await waitFor(() => acknowledged.size >= 300, { timeoutMs: 20_000, message: '300 placements before the failover' });
    const oldMaster = set.servers[0]!;
    killedAt = Date.now();
    oldMaster.process.kill('SIGKILL');
    await waitFor(() => acceptedAfterKill >= 300, { timeoutMs: 60_000, message: '300 placements accepted after the failover' }).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}: ${acceptedAfterKill} accepted; refusals ${JSON.stringify([...errors])}`);
    });
    placing = false;
    await Promise.all(loops);

    const master = await currentMaster(set);
    try {
      assert.notEqual(Number(master.options.port), set.clientPort(oldMaster), 'the Sentinels promoted the replica');
      const truth = await canvasIn(master);
      let lost = 0;
      for (const [pixel, color] of acknowledged) if (truth[pixel] !== color) lost++;
      console.log(
        `      failover: placements refused from ${firstRefusal - killedAt} ms after the kill, accepted again after ${firstAfterKill - killedAt} ms; ${acknowledged.size} acknowledged, ${lost} lost, ${refusedOrUnknown} refused or unknown meanwhile`,
      );
      assert.equal(lost, 0, 'acknowledged pixels lost in the failover');
      await assertConverged(() => canvasIn(master), players, 20_000);
    } finally {
      master.disconnect();
    }
  });
});

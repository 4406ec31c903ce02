import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { canvasKeys } from '@tessera/protocol';
import { Redis } from 'ioredis';
import { waitFor } from '../../test-support/index.js';
import { assertConverged, redisCanvas } from './support/canvas-truth.js';
import { Cluster } from './support/cluster.js';
import { ReplicaClient } from './support/replica-client.js';

const WIDTH = 256;
const HEIGHT = 256;
const AOF_DIR = 'appendonlydir';

/**
 * Issue 16 item 1 / invariant 7: Redis comes back without its last second (a failover to a lagging
 * replica, a host crash with `appendfsync everysec`). The writer must not re-issue the lost sequence
 * numbers with other content, and every client must equal Redis again within seconds, not at the
 * next minute's sync (the sync interval here is longer than the whole test).
 */
describe('a Redis that comes back behind', function () {
  this.timeout(90_000);
  const cluster = new Cluster();
  const clients: ReplicaClient[] = [];
  let dataDir: string;
  let copyDir: string;

  before(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'tessera-rollback-'));
    copyDir = mkdtempSync(path.join(os.tmpdir(), 'tessera-rollback-copy-'));
    await cluster.start({
      redis: { dir: dataDir, appendonly: true, args: ['--appendfsync', 'always'] },
      env: { CANVAS_WIDTH: String(WIDTH), CANVAS_HEIGHT: String(HEIGHT) },
      writerEnv: { SYNC_INTERVAL_MS: '600000' },
    });
  });
  after(async () => {
    for (const client of clients.splice(0)) client.close();
    await cluster.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(copyDir, { recursive: true, force: true });
  });

  /** Places `count` pixels from each client, every one distinct from what the canvas holds. */
  async function place(players: readonly ReplicaClient[], count: number, color: number): Promise<void> {
    await Promise.all(
      players.map(async (client, index) => {
        for (let i = 0; i < count; i++) {
          const result = await client.place((index * 37 + i * 11) % WIDTH, (index * 13 + i * 7) % HEIGHT, color);
          assert.ok(result.ok, `placement refused: ${JSON.stringify(result)}`);
        }
      }),
    );
  }

  it('puts every client right within seconds after Redis restarts from an older AOF', async () => {
    for (let i = 0; i < 12; i++) clients.push(new ReplicaClient(cluster.gatewayUrls[i % cluster.gatewayUrls.length]!));
    await Promise.all(clients.map((client) => client.ready()));
    await place(clients, 20, 3);
    await assertConverged(cluster.redisUrl, clients);

    // The replica that lags: everything up to here, nothing after.
    const redis = new Redis(cluster.redisUrl);
    const lengthAtCopy = await redis.xlen(canvasKeys('main').events);
    cpSync(path.join(dataDir, AOF_DIR), path.join(copyDir, AOF_DIR), { recursive: true });

    // The last second Redis will lose: placed, broadcast and applied by every client.
    await place(clients, 20, 9);
    await assertConverged(cluster.redisUrl, clients);
    const seqsBefore = clients.map((client) => client.seqs.length);
    redis.disconnect();

    cluster.redisServer.process.kill('SIGKILL');
    await cluster.restartRedis((dir) => {
      rmSync(path.join(dir, AOF_DIR), { recursive: true, force: true });
      cpSync(path.join(copyDir, AOF_DIR), path.join(dir, AOF_DIR), { recursive: true });
    });
    const restartedAt = Date.now();
    const check = new Redis(cluster.redisUrl);
    try {
      assert.equal(await check.xlen(canvasKeys('main').events), lengthAtCopy, 'Redis came back without the last placements');
    } finally {
      check.disconnect();
    }

    // Every client holds pixels Redis lost; each must drop them, with no placement to help.
    await assertConverged(cluster.redisUrl, clients, 15_000);
    const convergedMs = Date.now() - restartedAt;
    console.log(`      every client equal to the rolled-back Redis ${convergedMs} ms after it restarted`);
    const truth = await redisCanvas(cluster.redisUrl);
    assert.ok(truth.includes(3) && !truth.includes(9), 'the truth is the older canvas');
    assert.ok(
      clients.every((client, index) => client.seqs.length > seqsBefore[index]!),
      'the writer told every client',
    );

    // And the canvas goes on: new placements reach everyone through deltas again.
    await place(clients, 5, 12);
    await assertConverged(cluster.redisUrl, clients);
    await waitFor(() => clients.every((client) => client.replica.colorAt(0, 0) === 12), { message: 'a new placement everywhere' });
  });
});

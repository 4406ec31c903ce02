import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { RedisConnection } from '@tessera/store';
import {
  createTestCa,
  redisHasTls,
  startRedisCluster,
  startSentinelSet,
  type RedisClusterProcesses,
  type SentinelSet,
  type TlsFiles,
} from '../../scripts/lib/redis-topology.mjs';
import type { RedisConfig } from '../src/common-config.js';
import { createLogger } from '../src/logger.js';
import { createRedisClient, waitForRedis } from '../src/redis-client.js';

const log = createLogger('runtime-test', 'silent');
const MASTER_PASSWORD = 'master-pw-0f3a';
const SENTINEL_PASSWORD = 'sentinel-pw-77c1';

/** Opens a client, proves a round trip, closes it. */
async function roundTrip(config: RedisConfig, key = 'tessera-test:round-trip'): Promise<string | null> {
  const client = createRedisClient(config, log, { name: 'test' });
  try {
    await waitForRedis(client, 10_000);
    await client.set(key, 'ok');
    return await client.get(key);
  } finally {
    client.disconnect();
  }
}

async function notReady(config: RedisConfig, timeoutMs = 1_500): Promise<Error> {
  const client: RedisConnection = createRedisClient(config, log, { name: 'test' });
  try {
    await waitForRedis(client, timeoutMs);
  } catch (error) {
    return error as Error;
  } finally {
    client.disconnect();
  }
  assert.fail('the client connected');
}

describe('Redis clients through Sentinel with passwords', function () {
  this.timeout(30_000);
  let set: SentinelSet;
  before(async () => {
    set = await startSentinelSet({ password: MASTER_PASSWORD, sentinelPassword: SENTINEL_PASSWORD });
  });
  after(() => set?.stop());

  const config = (overrides: Partial<RedisConfig> = {}): RedisConfig => ({
    url: 'redis://unused:1',
    sentinels: set.sentinelAddresses,
    sentinelMaster: set.masterName,
    password: MASTER_PASSWORD,
    sentinelPassword: SENTINEL_PASSWORD,
    ...overrides,
  });

  it("finds the master with the Sentinels' own password and talks to it with the master's", async () => {
    assert.equal(await roundTrip(config()), 'ok');
  });

  it('does not get ready with a wrong Sentinel password, and says so without the password', async () => {
    const error = await notReady(config({ sentinelPassword: 'wrong-sentinel-pw' }));
    assert.match(error.message, /master mymaster via Sentinel not ready/);
    assert.doesNotMatch(error.message, /pw/);
  });

  it("does not get ready without the master's password", async () => {
    const error = await notReady(config({ password: undefined }));
    assert.match(error.message, /not ready/);
  });
});

describe('Redis clients over TLS with a private CA', function () {
  this.timeout(30_000);
  let ca: TlsFiles;
  let set: SentinelSet;
  before(async function () {
    if (!redisHasTls()) {
      // Debian's redis-server has TLS; a build without it can only test the config path.
      this.skip();
    }
    ca = createTestCa();
    set = await startSentinelSet({ replicas: 1, sentinels: 1, password: MASTER_PASSWORD, sentinelPassword: SENTINEL_PASSWORD, tls: ca });
  });
  after(async () => {
    await set?.stop();
    ca?.remove();
  });

  const sentinelConfig = (overrides: Partial<RedisConfig> = {}): RedisConfig => ({
    url: 'redis://unused:1',
    sentinels: set.sentinelAddresses,
    sentinelMaster: set.masterName,
    password: MASTER_PASSWORD,
    sentinelPassword: SENTINEL_PASSWORD,
    tls: true,
    sentinelTls: true,
    tlsCa: readFileSync(ca.caFile, 'utf8'),
    ...overrides,
  });

  it('reaches a rediss:// URL that the CA signed', async () => {
    const master = set.servers[0]!;
    assert.equal(
      await roundTrip({
        url: `rediss://localhost:${set.clientPort(master)}`,
        sentinels: [],
        sentinelMaster: 'x',
        password: MASTER_PASSWORD,
        tls: true,
        tlsCa: readFileSync(ca.caFile, 'utf8'),
      }),
      'ok',
    );
  });

  it('refuses a server certificate that only the private CA vouches for when no CA is given', async () => {
    const master = set.servers[0]!;
    await notReady({ url: `rediss://localhost:${set.clientPort(master)}`, sentinels: [], sentinelMaster: 'x', password: MASTER_PASSWORD, tls: true });
  });

  it('speaks TLS to the Sentinels and to the master they name', async () => {
    assert.equal(await roundTrip(sentinelConfig()), 'ok');
  });

  it('does not get ready when the Sentinels are TLS-only and the client speaks plain TCP to them', async () => {
    await notReady(sentinelConfig({ sentinelTls: false }));
  });
});

describe('Redis clients to a Redis Cluster', function () {
  this.timeout(40_000);
  let cluster: RedisClusterProcesses;
  before(async () => {
    cluster = await startRedisCluster();
  });
  after(() => cluster?.stop());

  it('routes keys of different hash tags to different shards through one client', async () => {
    const client = createRedisClient({ url: 'redis://unused:1', sentinels: [], sentinelMaster: 'x', clusterNodes: cluster.addresses }, log, { name: 'test' });
    try {
      await waitForRedis(client, 10_000);
      const tags = Array.from({ length: 12 }, (_, i) => `canvas-${i}`);
      await Promise.all(tags.map((tag) => client.set(`tessera:{${tag}}:probe`, tag)));
      assert.deepEqual(await Promise.all(tags.map((tag) => client.get(`tessera:{${tag}}:probe`))), tags);
      // Every master holds some of them: the cluster really spreads canvases.
      const perNode = await Promise.all(
        cluster.nodes.map(async (node) => {
          const direct = createRedisClient({ url: node.url, sentinels: [], sentinelMaster: 'x' }, log, { name: 'probe' });
          try {
            await waitForRedis(direct, 5_000);
            return await direct.dbsize();
          } finally {
            direct.disconnect();
          }
        }),
      );
      assert.ok(perNode.filter((count) => count > 0).length >= 2, `keys per node: ${perNode.join(',')}`);
    } finally {
      client.disconnect();
    }
  });
});

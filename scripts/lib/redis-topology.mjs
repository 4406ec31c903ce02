// Redis as SREs run it, as real processes on free ports of 127.0.0.1, for the tests: a master
// with replicas watched by Sentinels (passwords and TLS optional), a Redis Cluster, and a private
// CA for TLS. Built on startRedis, so each server has its own temporary directory.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { getFreePort } from './free-port.mjs';
import { startRedis } from './redis-server.mjs';

/**
 * @typedef {object} TlsFiles a CA and one server certificate it signed, for localhost and 127.0.0.1
 * @property {string} dir
 * @property {string} caFile
 * @property {string} certFile
 * @property {string} keyFile
 * @property {() => void} remove
 */

/**
 * Creates a private CA and a server certificate with openssl (1 day, RSA 2048).
 * @returns {TlsFiles}
 */
export function createTestCa() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tessera-ca-'));
  /** @param {string} name */
  const file = (name) => path.join(dir, name);
  /** @param {...string} args */
  const openssl = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('ca.key'), '-out', file('ca.crt'), '-subj', '/CN=tessera-test-ca', '-days', '1');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', '/CN=localhost');
  writeFileSync(file('san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  openssl(
    'x509',
    '-req',
    '-in',
    file('server.csr'),
    '-CA',
    file('ca.crt'),
    '-CAkey',
    file('ca.key'),
    '-CAcreateserial',
    '-out',
    file('server.crt'),
    '-days',
    '1',
    '-extfile',
    file('san.ext'),
  );
  return {
    dir,
    caFile: file('ca.crt'),
    certFile: file('server.crt'),
    keyFile: file('server.key'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Whether this redis-server was built with TLS (Debian's is). */
export function redisHasTls() {
  // Bad certificate paths: a TLS build fails configuring TLS, any other rejects the directive.
  const probe = spawnSync('redis-server', ['--port', '0', '--tls-port', '1', '--tls-cert-file', '/nonexistent', '--tls-key-file', '/nonexistent'], {
    encoding: 'utf8',
    timeout: 5000,
  });
  return /Failed to configure TLS/i.test(`${probe.stdout}${probe.stderr}`);
}

/**
 * Arguments that add a TLS port beside the plain one (kept for the start-up PING).
 * @param {TlsFiles} tls @param {number} tlsPort
 */
function tlsArgs(tls, tlsPort) {
  return [
    '--tls-port',
    String(tlsPort),
    '--tls-cert-file',
    tls.certFile,
    '--tls-key-file',
    tls.keyFile,
    '--tls-ca-cert-file',
    tls.caFile,
    '--tls-auth-clients',
    'no',
  ];
}

/**
 * @typedef {object} SentinelSet
 * @property {import('./redis-server.mjs').RedisServer[]} servers the data servers; servers[0] started as master
 * @property {import('./redis-server.mjs').RedisServer[]} sentinels
 * @property {Array<{ host: string, port: number }>} sentinelAddresses the ports clients use (the TLS ports when tls)
 * @property {string} masterName
 * @property {(server: import('./redis-server.mjs').RedisServer) => number} clientPort the port a client uses for a data server
 * @property {() => Promise<void>} stop
 */

/**
 * A master, `replicas` replicas and `sentinels` Sentinels (quorum: a majority). Failover is quick
 * for tests: down after 1 s, failover timeout 5 s.
 * @param {object} [options]
 * @param {number} [options.replicas] default 1
 * @param {number} [options.sentinels] default 3
 * @param {string} [options.masterName] default "mymaster"
 * @param {string} [options.password] requirepass (and masterauth) of the data servers
 * @param {string} [options.sentinelPassword] requirepass of the Sentinels (they may differ)
 * @param {TlsFiles} [options.tls] TLS for everything: replication, Sentinels and clients
 * @param {NodeJS.WritableStream} [options.output] where the servers' logs go (default nowhere)
 * @returns {Promise<SentinelSet>}
 */
export async function startSentinelSet(options = {}) {
  const masterName = options.masterName ?? 'mymaster';
  const tls = options.tls;
  const auth = options.password ? ['--requirepass', options.password, '--masterauth', options.password] : [];
  /** @type {Map<import('./redis-server.mjs').RedisServer, number>} */
  const tlsPorts = new Map();
  /** @type {import('./redis-server.mjs').RedisServer[]} */
  const started = [];
  const stop = async () => {
    await Promise.all(started.map((server) => server.stop()));
  };
  try {
    /** @param {string[]} extra */
    const startData = async (extra) => {
      const tlsPort = tls ? await getFreePort() : 0;
      // With TLS, a replica tells its master (and so the Sentinels) its TLS port, the one clients use.
      const announce = tls ? ['--tls-replication', 'yes', '--replica-announce-port', String(tlsPort)] : [];
      // No 5 s pause before a diskless full sync: a replica is in step by the time the set is handed over.
      const server = await startRedis({
        name: 'redis-data',
        output: options.output,
        args: ['--repl-diskless-sync-delay', '0', ...auth, ...(tls ? tlsArgs(tls, tlsPort) : []), ...announce, ...extra],
      });
      started.push(server);
      if (tls) tlsPorts.set(server, tlsPort);
      return server;
    };
    /** @param {import('./redis-server.mjs').RedisServer} server */
    const clientPort = (server) => tlsPorts.get(server) ?? server.port;
    const master = await startData([]);
    const servers = [master];
    for (let i = 0; i < (options.replicas ?? 1); i++) {
      servers.push(await startData(['--replicaof', '127.0.0.1', String(clientPort(master))]));
    }
    // A failover promotes only a replica in step: wait for each one's link to its master.
    /**
     * @param {import('./redis-server.mjs').RedisServer} server
     * @param {...string} args
     */
    const cli = (server, ...args) =>
      spawnSync(
        'redis-cli',
        [
          '-p',
          String(clientPort(server)),
          ...(options.password ? ['-a', options.password, '--no-auth-warning'] : []),
          ...(tls ? ['--tls', '--cacert', tls.caFile] : []),
          ...args,
        ],
        { encoding: 'utf8' },
      ).stdout ?? '';
    const linkDeadline = Date.now() + 20_000;
    while (!servers.slice(1).every((replica) => cli(replica, 'info', 'replication').includes('master_link_status:up'))) {
      if (Date.now() > linkDeadline) throw new Error('a replica did not reach its master within 20 s');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const count = options.sentinels ?? 3;
    const quorum = Math.floor(count / 2) + 1;
    /** @type {import('./redis-server.mjs').RedisServer[]} */
    const sentinels = [];
    const sentinelAddresses = [];
    for (let i = 0; i < count; i++) {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'tessera-sentinel-'));
      const configFile = path.join(dir, 'sentinel.conf');
      const lines = [
        `sentinel monitor ${masterName} 127.0.0.1 ${clientPort(master)} ${quorum}`,
        `sentinel down-after-milliseconds ${masterName} 1000`,
        `sentinel failover-timeout ${masterName} 5000`,
        `sentinel parallel-syncs ${masterName} 1`,
        ...(options.password ? [`sentinel auth-pass ${masterName} ${options.password}`] : []),
        ...(options.sentinelPassword ? [`requirepass ${options.sentinelPassword}`, `sentinel sentinel-pass ${options.sentinelPassword}`] : []),
      ];
      writeFileSync(configFile, `${lines.join('\n')}\n`);
      const tlsPort = tls ? await getFreePort() : 0;
      const sentinel = await startRedis({
        name: 'redis-sentinel',
        output: options.output,
        dir,
        configFile,
        args: ['--sentinel', ...(tls ? [...tlsArgs(tls, tlsPort), '--tls-replication', 'yes'] : [])],
      });
      started.push(sentinel);
      sentinels.push(sentinel);
      sentinelAddresses.push({ host: '127.0.0.1', port: tls ? tlsPort : sentinel.port });
      if (tls) tlsPorts.set(sentinel, tlsPort);
    }
    const set = {
      servers,
      sentinels,
      sentinelAddresses,
      masterName,
      clientPort,
      stop: async () => {
        await stop();
        for (const sentinel of sentinels) rmSync(sentinel.dir, { recursive: true, force: true });
      },
    };
    return set;
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * @typedef {object} RedisClusterProcesses
 * @property {import('./redis-server.mjs').RedisServer[]} nodes
 * @property {Array<{ host: string, port: number }>} addresses
 * @property {() => Promise<void>} stop
 */

/**
 * A Redis Cluster of `masters` masters (no replicas), slots spread by `redis-cli --cluster create`;
 * resolves once every node reports cluster_state:ok.
 * @param {object} [options]
 * @param {number} [options.masters] default 3 (the minimum redis-cli accepts)
 * @returns {Promise<RedisClusterProcesses>}
 */
export async function startRedisCluster(options = {}) {
  const count = options.masters ?? 3;
  /** @type {import('./redis-server.mjs').RedisServer[]} */
  const nodes = [];
  const stop = async () => {
    await Promise.all(nodes.map((node) => node.stop()));
  };
  try {
    for (let i = 0; i < count; i++) {
      nodes.push(
        await startRedis({
          name: 'redis-cluster',
          args: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000'],
        }),
      );
    }
    const addresses = nodes.map((node) => ({ host: '127.0.0.1', port: node.port }));
    execFileSync('redis-cli', ['--cluster', 'create', ...addresses.map(({ host, port }) => `${host}:${port}`), '--cluster-yes'], {
      stdio: 'pipe',
      timeout: 30_000,
    });
    const deadline = Date.now() + 20_000;
    for (;;) {
      const states = nodes.map((node) => spawnSync('redis-cli', ['-p', String(node.port), 'cluster', 'info'], { encoding: 'utf8' }).stdout);
      if (states.every((info) => info.includes('cluster_state:ok'))) break;
      if (Date.now() > deadline) throw new Error(`the cluster did not reach cluster_state:ok:\n${states.join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return { nodes, addresses, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

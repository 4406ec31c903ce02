// The system under test: a private redis-server, gateway and writer children started from their
// built dist/main.js as in production, each optionally pinned to a core with taskset.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { getFreePort } from '../../scripts/lib/free-port.mjs';
import { spawnService, stopAll } from '../../scripts/lib/processes.mjs';
import { startRedis } from '../../scripts/lib/redis-server.mjs';
import { sleep } from './stats.mjs';

/** What the Helm chart and `npm start` give gateways (helm/tessera/values.yaml gateway.nodeOptions). */
const GATEWAY_NODE_OPTIONS = '--max-semi-space-size=64';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SESSION_SECRET = 'bench-secret-that-is-at-least-32-characters-long';

/**
 * Core layout. On two or more cores the gateway gets core 0 to itself and everything else
 * (this process = the load generator, redis-server, the writer) shares core 1, so the gateway's
 * CPU figures are its own. `BENCH_NO_PIN=1` turns pinning off.
 */
export const PIN = (() => {
  const cores = Number(execFileSync('nproc', ['--all'], { encoding: 'utf8' }).trim());
  let taskset = false;
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    taskset = true;
  } catch {
    // not installed
  }
  const enabled = taskset && cores >= 2 && !process.env.BENCH_NO_PIN;
  return { enabled, cores, gateway: '0', others: '1', aside: '0' };
})();

/** Prefixes a command with `taskset -c <cpus>` when pinning is on. */
export function pinned(/** @type {string | undefined} */ cpus, /** @type {string} */ command, /** @type {string[]} */ args) {
  return PIN.enabled && cpus !== undefined ? { command: 'taskset', args: ['-c', cpus, command, ...args] } : { command, args };
}

/** Fails with the one useful instruction when the services are not built. */
export function requireBuilt() {
  const missing = ['gateway/dist/main.js', 'writer/dist/main.js', 'store/dist/index.js', 'protocol/dist/index.js'].filter(
    (file) => !existsSync(`${ROOT}${file}`),
  );
  if (missing.length > 0) throw new Error(`${missing.join(', ')} missing: run npm run build first`);
}

/**
 * @typedef {object} ClusterOptions
 * @property {boolean} [writer] start a writer (default true)
 * @property {Record<string, string>} [gatewayEnv]
 * @property {Record<string, string>} [writerEnv]
 * @property {string} [canvasId] default 'bench'
 * @property {boolean} [inspect] open the gateway's inspector (see collectGarbage)
 */

export class Cluster {
  constructor() {
    /** @type {import('../../scripts/lib/processes.mjs').Service[]} */
    this.services = [];
    /** @type {import('../../scripts/lib/redis-server.mjs').RedisServer | undefined} */
    this.redis = undefined;
    this.gatewayUrl = '';
    this.gatewayPid = 0;
    this.writerPid = 0;
    this.writerUrl = '';
    this.canvasId = 'bench';
    this.inspectPort = 0;
    /** Last lines of every child, shown when something dies. */
    this.tail = /** @type {string[]} */ ([]);
  }

  get redisUrl() {
    if (!this.redis) throw new Error('cluster not started');
    return this.redis.url;
  }

  get redisPid() {
    return this.redis?.process.pid ?? 0;
  }

  /** @param {ClusterOptions} [options] */
  async start(options = {}) {
    this.canvasId = options.canvasId ?? 'bench';
    // Redis shares the generator's core; it inherits our affinity (set by the launcher).
    this.redis = await startRedis({ name: 'redis', args: ['--maxmemory-policy', 'noeviction'] });
    await this.startGateway(options.gatewayEnv ?? {}, { inspect: options.inspect });
    if (options.writer ?? true) await this.startWriter(options.writerEnv ?? {});
  }

  common() {
    return { REDIS_URL: this.redisUrl, LOG_LEVEL: 'warn', CANVAS_ID: this.canvasId, PATH: process.env.PATH ?? '' };
  }

  /**
   * @param {Record<string, string>} env
   * @param {{ inspect?: boolean }} [options] inspect: open the V8 inspector on a free port, so
   *   collectGarbage() can force a full GC before reading memory
   */
  async startGateway(env, options = {}) {
    const port = await getFreePort();
    this.inspectPort = options.inspect ? await getFreePort() : 0;
    const nodeOptions = [
      process.env.BENCH_GATEWAY_NODE_OPTIONS ?? GATEWAY_NODE_OPTIONS,
      this.inspectPort ? `--inspect=127.0.0.1:${this.inspectPort}` : '',
      env.NODE_OPTIONS ?? '',
    ]
      .join(' ')
      .trim();
    // BENCH_GATEWAY_SCRIPT: an alternative entry point (an experiment on a copy of main.js).
    const script = process.env.BENCH_GATEWAY_SCRIPT ?? 'gateway/dist/main.js';
    const service = this.spawn('gateway', PIN.gateway, script, {
      ...this.common(),
      PORT: String(port),
      HOST: '127.0.0.1',
      SESSION_SECRET,
      CANVAS_COOLDOWN_MS: '0',
      MAX_SOCKETS_PER_IP: '1000000',
      PLACE_RATE_PER_SEC: '10000',
      PLACE_BURST: '100000',
      // Thousands of players and a few placers share the generator's 16 source addresses.
      PLACE_RATE_PER_ADDRESS_PER_SEC: '100000',
      PLACE_BURST_PER_ADDRESS: '1000000',
      GUEST_SESSIONS_PER_ADDRESS: '10000000',
      WEB_ROOT: '',
      SHUTDOWN_DRAIN_MS: '0',
      ...env,
      // BENCH_GATEWAY_NODE_OPTIONS: try other V8 flags on the gateway ('' for Node's defaults).
      ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}),
    });
    this.gatewayUrl = `http://127.0.0.1:${port}`;
    await this.waitHttp(`${this.gatewayUrl}/readyz`, service);
    this.gatewayPid = nodePid(service);
  }

  /** @param {Record<string, string>} env */
  async startWriter(env) {
    const port = await getFreePort();
    const service = this.spawn('writer', undefined, 'writer/dist/main.js', {
      ...this.common(),
      HTTP_PORT: String(port),
      WRITER_ID: 'bench-writer',
      ...env,
    });
    this.writerUrl = `http://127.0.0.1:${port}`;
    await this.waitHttp(`${this.writerUrl}/readyz`, service);
    this.writerPid = nodePid(service);
    // Leadership is taken on the first tick; give it one.
    await sleep(Number(env.TICK_MS ?? 500) + 200);
  }

  /**
   * @param {string} name @param {string | undefined} cpus @param {string} script
   * @param {Record<string, string>} env
   */
  spawn(name, cpus, script, env) {
    // BENCH_PROFILE=1: every service writes a V8 CPU profile when it exits (see BENCHMARKS.md).
    const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${ROOT}bench/results/profiles/${name}`] : [];
    // BENCH_GATEWAY_NODE_ARGS: node flags not allowed in NODE_OPTIONS (e.g. --trace-gc), gateway only.
    const extra = name === 'gateway' && process.env.BENCH_GATEWAY_NODE_ARGS ? process.env.BENCH_GATEWAY_NODE_ARGS.split(' ').filter(Boolean) : [];
    const { command, args } = pinned(cpus, process.execPath, [...profile, ...extra, script.startsWith('/') ? script : `${ROOT}${script}`]);
    const sink = new PassThrough().resume();
    const service = spawnService({
      name,
      command,
      args,
      env,
      cwd: ROOT,
      stdout: sink,
      stderr: sink,
      onLine: (line) => {
        this.tail.push(`[${name}] ${line}`);
        if (this.tail.length > 60) this.tail.shift();
        if (process.env.BENCH_LOGS) process.stderr.write(`[${name}] ${line}\n`);
      },
    });
    this.services.push(service);
    return service;
  }

  /** @param {string} url @param {import('../../scripts/lib/processes.mjs').Service} service */
  async waitHttp(url, service, timeoutMs = 20_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (service.exitInfo()) throw new Error(`${service.name} exited during start-up:\n${this.tail.join('\n')}`);
      try {
        if ((await fetch(url)).ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`${url} not ready after ${timeoutMs} ms:\n${this.tail.join('\n')}`);
      await sleep(100);
    }
  }

  /** Throws with the children's last lines if one of them died. */
  checkAlive() {
    const dead = this.services.filter((s) => s.exitInfo());
    if (dead.length > 0) throw new Error(`${dead.map((s) => s.name).join(', ')} died:\n${this.tail.join('\n')}`);
  }

  /** A full garbage collection in the gateway, through its inspector (started with `inspect`). */
  async collectGarbage() {
    if (!this.inspectPort) throw new Error('the gateway was started without the inspector');
    const [target] = await (await fetch(`http://127.0.0.1:${this.inspectPort}/json/list`)).json();
    const { default: WebSocket } = await import('ws');
    const ws = new WebSocket(target.webSocketDebuggerUrl);
    await new Promise((resolve, reject) => {
      ws.once('open', () => ws.send(JSON.stringify({ id: 1, method: 'HeapProfiler.collectGarbage' })));
      ws.on('message', (data) => {
        // eslint-disable-next-line @typescript-eslint/no-base-to-string -- the inspector sends text frames, which ws hands over as a Buffer
        if (JSON.parse(String(data)).id === 1) resolve(undefined);
      });
      ws.once('error', reject);
    });
    ws.close();
  }

  /** Prometheus text of the gateway (or another URL) as name{labels} → value. */
  async metrics(url = this.gatewayUrl) {
    return parseMetrics(await (await fetch(`${url}/metrics`)).text());
  }

  async stop() {
    await stopAll(this.services, 5_000);
    this.services = [];
    await this.redis?.stop();
    this.redis = undefined;
  }
}

/**
 * The pid of the node process itself: under taskset, taskset execs node, so the pid is the same.
 * @param {import('../../scripts/lib/processes.mjs').Service} service
 */
function nodePid(service) {
  const pid = service.child.pid;
  if (!pid) throw new Error(`${service.name} has no pid`);
  return pid;
}

/** @param {string} text */
export function parseMetrics(text) {
  /** @type {Map<string, number>} */
  const out = new Map();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    // Drop default labels (service="…") so callers can ask for the metric's own labels only.
    const key = line
      .slice(0, space)
      .replace(/,?service="[^"]*"/, '')
      .replace('{}', '')
      .replace('{,', '{');
    out.set(key, Number(line.slice(space + 1)));
  }
  return out;
}

import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { spawnService, stopAll, type Service } from '../../../scripts/lib/processes.mjs';
import { getFreePort, startRedis, waitFor, type RedisServer, type StartRedisOptions } from '../../../test-support/index.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const SESSION_SECRET = 'e2e-secret-that-is-at-least-32-characters-long';

export interface ClusterOptions {
  readonly gateways?: number;
  readonly writers?: number;
  /** Env for every service. */
  readonly env?: Record<string, string>;
  readonly gatewayEnv?: Record<string, string>;
  readonly writerEnv?: Record<string, string>;
  /**
   * Connection env of a Redis the test started itself (Sentinels, a Redis Cluster): every service
   * gets it instead of REDIS_URL, and the cluster starts no redis-server of its own.
   */
  readonly redisEnv?: Record<string, string>;
  /** Options of the cluster's redis-server (e.g. AOF in a directory the test keeps). */
  readonly redis?: StartRedisOptions;
}

export interface WriterProcess {
  readonly id: string;
  readonly service: Service;
}

/**
 * A real cluster for end-to-end tests: a private redis-server, gateway and writer processes
 * started from their built `dist/main.js` exactly as in production, output kept quiet unless
 * TESSERA_E2E_LOGS is set.
 */
export class Cluster {
  readonly gatewayUrls: string[] = [];
  readonly writers: WriterProcess[] = [];
  private readonly services: Service[] = [];
  private redis: RedisServer | undefined;
  private redisOptions: StartRedisOptions = {};
  /** Each gateway's process and the env it was started with, to restart it on the same port. */
  private readonly gateways: { service: Service; env: Record<string, string> }[] = [];
  private readonly output = process.env.TESSERA_E2E_LOGS ? process.stdout : new PassThrough().resume();

  get redisUrl(): string {
    if (!this.redis) throw new Error('cluster not started');
    return this.redis.url;
  }

  async start(options: ClusterOptions = {}): Promise<void> {
    this.redisOptions = options.redis ?? {};
    if (!options.redisEnv) this.redis = await startRedis(this.redisOptions);
    const common = { ...(options.redisEnv ?? { REDIS_URL: this.redisUrl }), LOG_LEVEL: 'warn', PATH: process.env.PATH ?? '', ...options.env };
    for (let i = 0; i < (options.gateways ?? 2); i++) {
      const port = await getFreePort();
      const env = {
        ...common,
        PORT: String(port),
        HOST: '127.0.0.1',
        SESSION_SECRET,
        CANVAS_COOLDOWN_MS: '0',
        PLACE_RATE_PER_SEC: '1000',
        PLACE_BURST: '1000',
        // Every test player shares 127.0.0.1: the per-address limits are for real venues.
        PLACE_RATE_PER_ADDRESS_PER_SEC: '100000',
        PLACE_BURST_PER_ADDRESS: '100000',
        GUEST_SESSIONS_PER_ADDRESS: '1000000',
        MAX_SOCKETS_PER_IP: '100000',
        SHUTDOWN_DRAIN_MS: '200',
        WEB_ROOT: `${ROOT}web/dist`,
        ...options.gatewayEnv,
      };
      this.gateways.push({ service: this.spawn(`gateway-${i}`, 'gateway/dist/main.js', env), env });
      this.gatewayUrls.push(`http://127.0.0.1:${port}`);
    }
    for (let i = 0; i < (options.writers ?? 2); i++) await this.startWriter(`writer-${i}`, { ...common, ...options.writerEnv });
    await Promise.all(this.gatewayUrls.map((url) => waitFor(async () => (await fetch(`${url}/readyz`)).ok, { timeoutMs: 20_000, message: `${url} ready` })));
  }

  async startWriter(id: string, env: Record<string, string>): Promise<WriterProcess> {
    const port = await getFreePort();
    const service = this.spawn(id, 'writer/dist/main.js', {
      ...env,
      HTTP_PORT: String(port),
      WRITER_ID: id,
      TICK_MS: env.TICK_MS ?? '200',
      LOCK_TTL_MS: env.LOCK_TTL_MS ?? '2000',
    });
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok, { timeoutMs: 20_000, message: `${id} healthy` });
    const writer = { id, service };
    this.writers.push(writer);
    return writer;
  }

  /** Kills gateway `index` as a crash would (SIGKILL) and starts it again on the same port, until ready. */
  async crashAndRestartGateway(index: number): Promise<void> {
    const gateway = this.gateways[index];
    if (!gateway) throw new Error(`no gateway ${index}`);
    gateway.service.child.kill('SIGKILL');
    await gateway.service.exited;
    gateway.service = this.spawn(`gateway-${index}`, 'gateway/dist/main.js', gateway.env);
    const url = this.gatewayUrls[index]!;
    await waitFor(async () => (await fetch(`${url}/readyz`)).ok, { timeoutMs: 20_000, message: `${url} ready again` });
  }

  /** The redis-server process, to kill it as a crash would. */
  get redisServer(): RedisServer {
    if (!this.redis) throw new Error('cluster not started');
    return this.redis;
  }

  /**
   * Starts redis-server again on the same port and directory after it stopped (or was killed),
   * running `beforeStart` first (e.g. to put an older AOF in place).
   */
  async restartRedis(beforeStart?: (dir: string) => void | Promise<void>): Promise<void> {
    const previous = this.redisServer;
    await previous.exited;
    await beforeStart?.(previous.dir);
    this.redis = await startRedis({ ...this.redisOptions, dir: previous.dir, port: previous.port });
  }

  private spawn(name: string, script: string, env: Record<string, string>): Service {
    const service = spawnService({ name, command: process.execPath, args: [`${ROOT}${script}`], env, cwd: ROOT, stdout: this.output, stderr: this.output });
    this.services.push(service);
    return service;
  }

  async stop(): Promise<void> {
    await stopAll(this.services, 5_000);
    await this.redis?.stop();
  }
}

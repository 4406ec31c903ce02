import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { spawnService, stopAll, type Service } from '../../../scripts/lib/processes.mjs';
import { getFreePort, startRedis, waitFor, type RedisServer } from '../../../test-support/index.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const SESSION_SECRET = 'e2e-secret-that-is-at-least-32-characters-long';

export interface ClusterOptions {
  readonly gateways?: number;
  readonly writers?: number;
  /** Env for every service. */
  readonly env?: Record<string, string>;
  readonly gatewayEnv?: Record<string, string>;
  readonly writerEnv?: Record<string, string>;
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
  private readonly output = process.env.TESSERA_E2E_LOGS ? process.stdout : new PassThrough().resume();

  get redisUrl(): string {
    if (!this.redis) throw new Error('cluster not started');
    return this.redis.url;
  }

  async start(options: ClusterOptions = {}): Promise<void> {
    this.redis = await startRedis();
    const common = { REDIS_URL: this.redis.url, LOG_LEVEL: 'warn', PATH: process.env.PATH ?? '', ...options.env };
    for (let i = 0; i < (options.gateways ?? 2); i++) {
      const port = await getFreePort();
      this.spawn(`gateway-${i}`, 'gateway/dist/main.js', {
        ...common,
        PORT: String(port),
        HOST: '127.0.0.1',
        SESSION_SECRET,
        CANVAS_COOLDOWN_MS: '0',
        PLACE_RATE_PER_SEC: '1000',
        PLACE_BURST: '1000',
        SHUTDOWN_DRAIN_MS: '200',
        WEB_ROOT: `${ROOT}web/dist`,
        ...options.gatewayEnv,
      });
      this.gatewayUrls.push(`http://127.0.0.1:${port}`);
    }
    for (let i = 0; i < (options.writers ?? 2); i++) await this.startWriter(`writer-${i}`, { ...common, ...options.writerEnv });
    await Promise.all(
      this.gatewayUrls.map((url) =>
        waitFor(async () => (await fetch(`${url}/readyz`)).ok, { timeoutMs: 20_000, message: `${url} ready` }),
      ),
    );
  }

  async startWriter(id: string, env: Record<string, string>): Promise<WriterProcess> {
    const port = await getFreePort();
    const service = this.spawn(id, 'writer/dist/main.js', { ...env, HTTP_PORT: String(port), WRITER_ID: id, TICK_MS: env.TICK_MS ?? '200', LOCK_TTL_MS: env.LOCK_TTL_MS ?? '2000' });
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok, { timeoutMs: 20_000, message: `${id} healthy` });
    const writer = { id, service };
    this.writers.push(writer);
    return writer;
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

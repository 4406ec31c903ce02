import { Redis } from 'ioredis';
import { findRedisServer, ping, REDIS_INSTALL_HINT, startRedis, type RedisServer } from '../scripts/lib/redis-server.mjs';

export { findRedisServer, ping, REDIS_INSTALL_HINT, startRedis, type RedisServer };

export type StartRedisOptions = NonNullable<Parameters<typeof startRedis>[0]>;

/** What {@link useRedis} returns; read it inside tests and hooks, after `before` ran. */
export interface RedisHandle {
  readonly url: string;
  readonly port: number;
  readonly server: RedisServer;
  /**
   * A client of the server for the tests' own reads and writes, made on first use and
   * disconnected before the server stops. Its errors are ignored: tests stop servers on purpose.
   */
  readonly client: Redis;
}

/**
 * Mocha hooks for one private redis-server per describe block: `before` starts it on a free port,
 * `after` stops it.
 *
 *     describe('placing a pixel', () => {
 *       const redis = useRedis();
 *       it('…', async () => { const client = new Redis(redis.url); … });
 *     });
 */
export function useRedis(options: StartRedisOptions = {}): RedisHandle {
  let server: RedisServer | undefined;
  let client: Redis | undefined;
  const current = (): RedisServer => {
    if (!server) throw new Error('redis-server is not running: use the handle inside tests or hooks, after useRedis() set it up');
    return server;
  };
  before(async function () {
    this.timeout((options.timeoutMs ?? 10_000) + 5_000);
    server = await startRedis(options);
  });
  after(async function () {
    this.timeout(15_000);
    client?.disconnect();
    client = undefined;
    await server?.stop();
    server = undefined;
  });
  return {
    get url() {
      return current().url;
    },
    get port() {
      return current().port;
    },
    get server() {
      return current();
    },
    get client() {
      if (!client) {
        client = new Redis(current().url);
        client.on('error', () => undefined);
      }
      return client;
    },
  };
}

/** The same as {@link useRedis}. */
export const withRedis = useRedis;

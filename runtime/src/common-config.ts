import { readFileSync } from 'node:fs';
import { isCanvasId } from '@tessera/protocol';
import type { EnvReader } from './env-reader.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/**
 * How every client of a service reaches Redis: one standalone server (`url`), a master found
 * through Sentinels, or a Redis Cluster. Only `url`, `sentinels` and `sentinelMaster` are
 * required, so a test can build one from a URL alone.
 */
export interface RedisConfig {
  /** `redis://` or `rediss://` URL; ignored when sentinels or cluster nodes are given. */
  readonly url: string;
  /** `host:port` of each Sentinel; empty when not using Sentinel. */
  readonly sentinels: readonly HostPort[];
  readonly sentinelMaster: string;
  /** `host:port` seeds of a Redis Cluster; non-empty selects Cluster mode (default none). */
  readonly clusterNodes?: readonly HostPort[];
  /** ACL user of the master, replicas or cluster nodes (default none: `default`). */
  readonly username?: string;
  /** Password of the master, replicas or cluster nodes (default none). */
  readonly password?: string;
  /** TLS to the master or cluster nodes (default false; a `rediss://` URL turns it on). */
  readonly tls?: boolean;
  /** PEM CA bundle trusted by every TLS connection, Sentinels included (default: Node's CAs). */
  readonly tlsCa?: string;
  /** Where tlsCa was read from, for messages. */
  readonly tlsCaFile?: string;
  /** ACL user of the Sentinels, which often differs from the master's (default none). */
  readonly sentinelUsername?: string;
  /** Password of the Sentinels (default none: Sentinels without `requirepass`). */
  readonly sentinelPassword?: string;
  /** TLS to the Sentinels (default false). */
  readonly sentinelTls?: boolean;
}

/** Settings every service shares. */
export interface CommonConfig {
  readonly redis: RedisConfig;
  readonly canvasId: string;
  readonly logLevel: LogLevel;
}

export const COMMON_DEFAULTS = {
  redisUrl: 'redis://127.0.0.1:6379',
  sentinelMaster: 'mymaster',
  sentinelTls: false,
  canvasId: 'main',
  logLevel: 'info',
} as const;

export function readCommonConfig(env: EnvReader): CommonConfig {
  const url = env.string('REDIS_URL', COMMON_DEFAULTS.redisUrl);
  if (!/^rediss?:\/\//.test(url)) env.problem(`REDIS_URL must start with redis:// or rediss://, got ${JSON.stringify(url)}`);
  const sentinels = hostPorts(env, 'REDIS_SENTINELS');
  const clusterNodes = hostPorts(env, 'REDIS_CLUSTER_NODES');
  const viaSentinel = env.list('REDIS_SENTINELS').length > 0;
  const viaCluster = env.list('REDIS_CLUSTER_NODES').length > 0;
  if (viaSentinel && viaCluster) env.problem('REDIS_SENTINELS and REDIS_CLUSTER_NODES are exclusive: Sentinel manages one master, a cluster has many');
  const username = env.optionalString('REDIS_USERNAME');
  const password = env.optionalString('REDIS_PASSWORD');
  if (!viaSentinel && !viaCluster) {
    // ioredis lets credentials in the URL win silently; two sources that disagree are a deployment bug.
    const inUrl = urlCredentials(url);
    if (inUrl.username && username !== undefined) env.problem('REDIS_USERNAME is set and REDIS_URL carries a user too: keep one');
    if (inUrl.password && password !== undefined) env.problem('REDIS_PASSWORD is set and REDIS_URL carries a password too: keep one');
  }
  const tlsCaFile = env.optionalString('REDIS_TLS_CA_FILE');
  let tlsCa: string | undefined;
  if (tlsCaFile !== undefined) {
    try {
      tlsCa = readFileSync(tlsCaFile, 'utf8');
      if (!tlsCa.includes('-----BEGIN CERTIFICATE-----')) env.problem(`REDIS_TLS_CA_FILE ${tlsCaFile} holds no PEM certificate`);
    } catch (error) {
      env.problem(`REDIS_TLS_CA_FILE ${tlsCaFile} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  const redis: RedisConfig = {
    url,
    sentinels,
    sentinelMaster: env.string('REDIS_SENTINEL_MASTER', COMMON_DEFAULTS.sentinelMaster),
    clusterNodes,
    username,
    password,
    tls: env.boolean('REDIS_TLS', url.startsWith('rediss://')),
    tlsCa,
    tlsCaFile,
    sentinelUsername: env.optionalString('REDIS_SENTINEL_USERNAME'),
    sentinelPassword: env.optionalString('REDIS_SENTINEL_PASSWORD'),
    sentinelTls: env.boolean('REDIS_SENTINEL_TLS', COMMON_DEFAULTS.sentinelTls),
  };
  const canvasId = env.string('CANVAS_ID', COMMON_DEFAULTS.canvasId);
  if (!isCanvasId(canvasId)) env.problem(`CANVAS_ID must match [a-z0-9][a-z0-9_-]{0,31}, got ${JSON.stringify(canvasId)}`);
  return {
    redis,
    canvasId,
    logLevel: env.oneOf('LOG_LEVEL', LOG_LEVELS, COMMON_DEFAULTS.logLevel),
  };
}

/** A comma-separated `host:port` list; IPv6 hosts in brackets (`[::1]:6379`). */
function hostPorts(env: EnvReader, name: string): HostPort[] {
  return env.list(name).flatMap((entry) => {
    const match = /^(?:\[([0-9a-fA-F:]+)\]|([^:\s[\]]+)):(\d{1,5})$/.exec(entry);
    const port = Number(match?.[3]);
    if (!match || port < 1 || port > 65_535) {
      env.problem(`${name} entries must be host:port, got ${JSON.stringify(entry)}`);
      return [];
    }
    return [{ host: (match[1] ?? match[2])!, port }];
  });
}

function urlCredentials(url: string): { username: boolean; password: boolean } {
  try {
    const parsed = new URL(url);
    return { username: parsed.username !== '', password: parsed.password !== '' };
  } catch {
    return { username: false, password: false };
  }
}

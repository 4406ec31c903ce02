import { isCanvasId } from '@tessera/protocol';
import type { EnvReader } from './env-reader.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface RedisConfig {
  /** `redis://` or `rediss://` URL; ignored when sentinels are given. */
  readonly url: string;
  /** `host:port` of each Sentinel; empty when not using Sentinel. */
  readonly sentinels: ReadonlyArray<{ host: string; port: number }>;
  readonly sentinelMaster: string;
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
  canvasId: 'main',
  logLevel: 'info',
} as const;

export function readCommonConfig(env: EnvReader): CommonConfig {
  const url = env.string('REDIS_URL', COMMON_DEFAULTS.redisUrl);
  if (!/^rediss?:\/\//.test(url)) env.problem(`REDIS_URL must start with redis:// or rediss://, got ${JSON.stringify(url)}`);
  const sentinels = env.list('REDIS_SENTINELS').map((entry) => {
    const match = /^([^:\s]+):(\d{1,5})$/.exec(entry);
    if (!match) {
      env.problem(`REDIS_SENTINELS entries must be host:port, got ${JSON.stringify(entry)}`);
      return { host: '', port: 0 };
    }
    return { host: match[1]!, port: Number(match[2]) };
  });
  const canvasId = env.string('CANVAS_ID', COMMON_DEFAULTS.canvasId);
  if (!isCanvasId(canvasId)) env.problem(`CANVAS_ID must match [a-z0-9][a-z0-9_-]{0,31}, got ${JSON.stringify(canvasId)}`);
  return {
    redis: { url, sentinels, sentinelMaster: env.string('REDIS_SENTINEL_MASTER', COMMON_DEFAULTS.sentinelMaster) },
    canvasId,
    logLevel: env.oneOf('LOG_LEVEL', LOG_LEVELS, COMMON_DEFAULTS.logLevel),
  };
}

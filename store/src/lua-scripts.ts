import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RedisConnection } from './redis-connection.js';

const LUA_DIR = fileURLToPath(new URL('../lua/', import.meta.url));

/** Reads a script from store/lua/ (they ship beside dist/). */
export function loadLua(file: string): string {
  return readFileSync(`${LUA_DIR}${file}`, 'utf8');
}

/**
 * Registers a script on a client once; ioredis then runs it by EVALSHA and falls back to EVAL
 * after a Redis restart flushed the script cache. `keys` undefined means the caller passes the
 * key count first (variable-key scripts).
 */
export function defineScript(redis: RedisConnection, name: string, file: string, keys?: number): void {
  const registered = redis as unknown as Record<string, unknown>;
  if (typeof registered[name] === 'function') return;
  redis.defineCommand(name, keys === undefined ? { lua: loadLua(file) } : { lua: loadLua(file), numberOfKeys: keys });
  freshlyDefined(redis).add(name.replace(/Buffer$/, ''));
}

/**
 * Scripts defined on a client since their first call. With auto-pipelining, a pipeline opened
 * earlier in the same tick lacks a command defined after it, and calling the command then throws
 * inside ioredis (redis/ioredis#1931); the first call therefore waits for that pipeline to flush.
 */
const fresh = new WeakMap<RedisConnection, Set<string>>();
function freshlyDefined(redis: RedisConnection): Set<string> {
  let names = fresh.get(redis);
  if (!names) fresh.set(redis, (names = new Set()));
  return names;
}

/** Calls a script registered with defineScript (`<name>Buffer` for Buffer replies). */
export async function callScript<T>(redis: RedisConnection, name: string, args: Array<string | number | Buffer>): Promise<T> {
  const names = freshlyDefined(redis);
  const base = name.replace(/Buffer$/, '');
  if (names.has(base)) {
    await new Promise((resolve) => setImmediate(resolve));
    names.delete(base);
  }
  const command = (redis as unknown as Record<string, (...a: Array<string | number | Buffer>) => Promise<T>>)[name];
  if (!command) throw new Error(`script ${name} is not defined on this client`);
  return command.apply(redis, args);
}

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';

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
export function defineScript(redis: Redis, name: string, file: string, keys?: number): void {
  const registered = redis as unknown as Record<string, unknown>;
  if (typeof registered[name] === 'function') return;
  redis.defineCommand(name, keys === undefined ? { lua: loadLua(file) } : { lua: loadLua(file), numberOfKeys: keys });
}

/** Calls a script registered with defineScript. */
export function callScript<T>(redis: Redis, name: string, args: Array<string | number | Buffer>): Promise<T> {
  const command = (redis as unknown as Record<string, (...a: Array<string | number | Buffer>) => Promise<T>>)[name];
  if (!command) throw new Error(`script ${name} is not defined on this client`);
  return command.apply(redis, args);
}

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RedisConnection } from './redis-connection.js';

const LUA_DIR = fileURLToPath(new URL('../lua/', import.meta.url));

/** Shared Lua (helper functions), pulled into scripts by `--- @include "name"`; never run alone. */
export const LUA_INCLUDES_DIR = `${LUA_DIR}includes/`;
/** BullMQ's include line: `--- @include "name"` reads store/lua/includes/name.lua in its place. */
const INCLUDE_LINE = /^--- @include "([^"]*)"[ \t]*$/gm;

/** Reads a script from store/lua/ (they ship beside dist/), with its includes resolved. */
export function loadLua(file: string): string {
  return resolveIncludes(readFileSync(`${LUA_DIR}${file}`, 'utf8'), file, new Set());
}

/** Each include once per script (a second `@include` of it, direct or nested, adds nothing). */
function resolveIncludes(source: string, from: string, included: Set<string>): string {
  return source.replace(INCLUDE_LINE, (_line, name: string) => {
    if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) throw new Error(`${from} includes ${JSON.stringify(name)}, which is not an include name`);
    if (included.has(name)) return '';
    included.add(name);
    let body: string;
    try {
      body = readFileSync(`${LUA_INCLUDES_DIR}${name}.lua`, 'utf8');
    } catch {
      throw new Error(`${from} includes "${name}", but store/lua/includes/${name}.lua does not exist`);
    }
    return resolveIncludes(body, `includes/${name}.lua`, included).trimEnd();
  });
}

/**
 * Every script of store/lua/ by the command it runs as. The key count comes from the file name
 * (`paint-region-5.lua` takes 5 keys); a name without one takes the count as its first argument.
 */
export const SCRIPTS = {
  tesseraAcquireLease: 'acquire-lease-1.lua',
  tesseraAdminSetConfig: 'admin-set-config-2.lua',
  tesseraBan: 'ban-3.lua',
  tesseraBeginPaletteRemap: 'begin-palette-remap-3.lua',
  tesseraCommitWriterState: 'commit-writer-state-2.lua',
  tesseraCountInWindow: 'count-in-window-1.lua',
  tesseraCreateCanvas: 'create-canvas-1.lua',
  tesseraFinishPaletteRemap: 'finish-palette-remap-4.lua',
  tesseraPaintRegion: 'paint-region-5.lua',
  tesseraPlacePixels: 'place-pixels.lua',
  tesseraReadCanvas: 'read-canvas.lua',
  tesseraReadCooldown: 'read-cooldown-2.lua',
  tesseraReadSnapshot: 'read-snapshot.lua',
  tesseraRecordEventStats: 'record-event-stats-5.lua',
  tesseraReleaseLease: 'release-lease-1.lua',
  tesseraRemapChunk: 'remap-chunk-3.lua',
  tesseraRenewLease: 'renew-lease-1.lua',
  tesseraReportPresence: 'report-presence-3.lua',
  tesseraResizeCanvas: 'resize-canvas-v2.lua',
  tesseraRestoreCanvas: 'restore-canvas.lua',
  tesseraRevertPixels: 'revert-pixels-5.lua',
  tesseraUnban: 'unban-3.lua',
} as const satisfies Record<string, string>;

export type ScriptName = keyof typeof SCRIPTS;

/** The number of keys a script file declares in its name, or undefined (variable-key scripts). */
export function keyCountOf(file: string): number | undefined {
  const match = /-(\d+)\.lua$/.exec(file);
  return match ? Number(match[1]) : undefined;
}

/**
 * Defines every script on a client. runtime's createRedisClient calls it on every client it
 * builds, before any command: with auto-pipelining, a pipeline opened before a command was defined
 * lacks that command, and calling it then leaves ioredis with a callback and no reply (an uncaught
 * TypeError inside ioredis, redis/ioredis#1931). ioredis runs each by EVALSHA and falls back to
 * EVAL after a Redis restart flushed its script cache.
 */
export function registerScripts(redis: RedisConnection): void {
  const defined = redis as unknown as Record<string, unknown>;
  for (const [name, file] of Object.entries(SCRIPTS)) {
    if (typeof defined[name] === 'function') continue;
    const keys = keyCountOf(file);
    redis.defineCommand(name, keys === undefined ? { lua: loadLua(file) } : { lua: loadLua(file), numberOfKeys: keys });
  }
}

/**
 * Makes sure a script is defined on a client. A client without auto-pipelining (a test's or a
 * tool's plain `new Redis()`) gets every script now; one with it must have had them from the start
 * (see registerScripts), so a missing one is a bug, said at once rather than as ioredis#1931.
 */
export function defineScript(redis: RedisConnection, name: ScriptName): void {
  if (typeof (redis as unknown as Record<string, unknown>)[name] === 'function') return;
  if (redis.options.enableAutoPipelining) {
    throw new Error(`script ${name} is not defined on this auto-pipelining client: call registerScripts when the client is created (createRedisClient does)`);
  }
  registerScripts(redis);
}

/** Calls a script registered with defineScript (`<name>Buffer` for Buffer replies). */
export async function callScript<T>(redis: RedisConnection, name: string, args: (string | number | Buffer)[]): Promise<T> {
  const command = (redis as unknown as Record<string, (...a: (string | number | Buffer)[]) => Promise<T>>)[name];
  if (!command) throw new Error(`script ${name} is not defined on this client`);
  return command.apply(redis, args);
}

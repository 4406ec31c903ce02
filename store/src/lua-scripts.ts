import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Cluster } from 'ioredis';
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
  tesseraRecordConnection: 'record-connection-2.lua',
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

/** A script as Redis runs it: its source with includes resolved, its SHA1 and its key count. */
export interface LuaScript {
  readonly name: ScriptName;
  readonly lua: string;
  readonly sha: string;
  /** Undefined: a variable-key script, whose callers pass the key count as the first argument. */
  readonly keys: number | undefined;
}

const loaded = new Map<ScriptName, LuaScript>();

/** A script of SCRIPTS, read from its file once per process. */
export function scriptOf(name: ScriptName): LuaScript {
  let script = loaded.get(name);
  if (!script) {
    const file = SCRIPTS[name];
    const lua = loadLua(file);
    script = { name, lua, sha: createHash('sha1').update(lua).digest('hex'), keys: keyCountOf(file) };
    loaded.set(name, script);
  }
  return script;
}

/**
 * Loads every script into Redis's script cache (each master's, in a Cluster): a service that
 * starts with it finds a broken script at once, and its first calls need no EVAL. Not required:
 * callScript falls back to EVAL whenever the cache lacks a script (after a Redis restart).
 */
export async function loadScripts(redis: RedisConnection): Promise<void> {
  const servers: RedisConnection[] = redis instanceof Cluster ? redis.nodes('master') : [redis];
  if (servers.length === 0) throw new Error('loadScripts: the Cluster knows no master yet (call it once the client is ready)');
  const scripts = (Object.keys(SCRIPTS) as ScriptName[]).map(scriptOf);
  await Promise.all(
    servers.flatMap((server) =>
      scripts.map(async (script) => {
        const sha = await server.script('LOAD', script.lua);
        if (sha !== script.sha) throw new Error(`Redis loaded ${script.name} as ${String(sha)}, not ${script.sha}`);
      }),
    ),
  );
}

/** EVALSHA's / EVAL's arguments after the script: the key count (when the name fixes it), keys, arguments. */
export function scriptArgs(script: LuaScript, args: readonly ScriptArg[]): ScriptArg[] {
  return script.keys === undefined ? [...args] : [script.keys, ...args];
}

export type ScriptArg = string | number | Buffer;

/** Redis's answer to EVALSHA of a script its cache does not hold (a restart or SCRIPT FLUSH emptied it). */
export function isNoScriptError(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}

/**
 * Runs a script by EVALSHA, and by EVAL (which also caches it) when Redis answers NOSCRIPT: the
 * script did not run then, so sending it again cannot run it twice. Scripts are not defined on
 * the ioredis client (`defineCommand`): ioredis copies every defined script onto each pipeline it
 * builds, auto-pipelined flushes included, which cost ~40 µs a pipeline with Tessera's 22 scripts
 * against ~7 µs without (measured, bench/BENCHMARKS.md "Time to open sockets").
 * `replies: 'buffers'` answers bulk strings as Buffers (chunk bytes).
 */
export async function callScript<T>(redis: RedisConnection, name: ScriptName, args: readonly ScriptArg[], replies: 'text' | 'buffers' = 'text'): Promise<T> {
  const script = scriptOf(name);
  const full = scriptArgs(script, args);
  const suffix = replies === 'buffers' ? 'Buffer' : '';
  try {
    return (await send(redis, `evalsha${suffix}`, script.sha, full)) as T;
  } catch (error) {
    if (!isNoScriptError(error)) throw error;
    return (await send(redis, `eval${suffix}`, script.lua, full)) as T;
  }
}

/** ioredis has every command's `…Buffer` form; its types list only some (not evalshaBuffer). */
type ScriptCommand = 'evalsha' | 'evalshaBuffer' | 'eval' | 'evalBuffer';

function send(redis: RedisConnection, command: ScriptCommand, head: string, args: ScriptArg[]): Promise<unknown> {
  const run = (redis as unknown as Record<ScriptCommand, (...all: ScriptArg[]) => Promise<unknown>>)[command];
  return run.call(redis, head, ...args);
}

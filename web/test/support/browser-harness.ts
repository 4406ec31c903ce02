// What the browser tests share: Debian's Chromium with the flags this machine needs, services
// started from their built dist/main.js, and the page's test hook (web/src/test-hook.ts).
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { spawnService, type Service } from '../../../scripts/lib/processes.mjs';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const GATEWAY_MAIN = `${ROOT}gateway/dist/main.js`;
export const WRITER_MAIN = `${ROOT}writer/dist/main.js`;
export const WEB_ROOT = `${ROOT}web/dist`;
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// Without the background-networking flags Chromium keeps dialling Google on a closed network.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
/** TESSERA_BROWSER_LOGS=1 shows the services' output and the pages' console. */
export const VERBOSE = Boolean(process.env.TESSERA_BROWSER_LOGS);

/** What the tests read of the player page's test hook. */
export interface PlayerHook {
  readonly replica: { colorAt(x: number, y: number): number; readonly width: number };
  readonly placeCount: number;
  readonly lastResult: { ok: boolean; error?: string } | undefined;
  readonly connection: string;
  readonly loaded: boolean;
  readonly stats: { canvasReads: number };
  readonly view: { readonly x: number; readonly y: number; readonly zoom: number };
  clientPointOf(x: number, y: number): { x: number; y: number };
  canvasPointOf(x: number, y: number): { x: number; y: number };
}
declare global {
  interface Window {
    readonly __tessera?: PlayerHook;
  }
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** Starts a process from a built main.js; its output is kept quiet unless VERBOSE. */
export function startService(name: string, script: string, env: Record<string, string>): Service {
  const output = VERBOSE ? process.stdout : new PassThrough().resume();
  return spawnService({
    name,
    command: process.execPath,
    args: [script],
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env },
    cwd: ROOT,
    stdout: output,
    stderr: output,
  });
}

export async function isOk(url: string): Promise<boolean> {
  try {
    return (await fetch(url)).ok;
  } catch {
    return false;
  }
}

/** Red, green, blue of a `#rrggbb` colour. */
export function rgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

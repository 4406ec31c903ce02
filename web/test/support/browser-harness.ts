// What the browser tests share: Debian's Chromium with the flags this machine needs, services
// started from their built dist/main.js, pages opened in contexts of their own, and the player
// page's test hook (web/src/test-hook.ts).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { spawnService, stopAll, type Service } from '../../../scripts/lib/processes.mjs';
import { requireBuilt, waitFor } from '../../../test-support/index.js';

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

/** Waits until the service at `url` answers its /readyz. */
export function waitReady(url: string, what: string): Promise<unknown> {
  return waitFor(() => isOk(`${url}/readyz`), { timeoutMs: 30_000, message: `${what} ready` });
}

/** A gateway's environment in a browser test: on 127.0.0.1, serving web/dist, no cooldown, a short drain; `env` adds or overrides. */
export function gatewayEnv(port: number, redisUrl: string, env: Record<string, string> = {}): Record<string, string> {
  return {
    PORT: String(port),
    HOST: '127.0.0.1',
    REDIS_URL: redisUrl,
    SESSION_SECRET: 'browser-test-secret-at-least-32-characters',
    CANVAS_COOLDOWN_MS: '0',
    SHUTDOWN_DRAIN_MS: '200',
    WEB_ROOT,
    ...env,
  };
}

/** The screen a page opens on: its size in CSS px, and whether it is a phone (touch, mobile viewport). */
export interface Device {
  readonly width: number;
  readonly height: number;
  readonly phone?: boolean;
}

export interface PageOptions extends Partial<Device> {
  /** A first visit shows the rules panel; by default a page opens as a returning player's, with it closed. */
  readonly firstVisit?: boolean;
  /** Runs on the page's new context before anything loads: init scripts, permissions. */
  readonly prepare?: (context: BrowserContext) => Promise<unknown>;
}

export interface BrowserFixture {
  /** The services the describe started; stopped after its tests, before Redis and S3 stop. */
  readonly services: Service[];
  /** A blank page in a context of its own (closed after each test), its console shown under `name`. */
  newPage(name: string, options?: PageOptions): Promise<Page>;
}

/**
 * Call inside a describe, before useRedis() and useS3(), so its `after` runs before theirs: skips the
 * describe unless `mains` and web/dist/`html` are built, launches Chromium, and stops it and
 * `services` after the tests.
 */
export function useBrowser(mains: readonly string[], html: string): BrowserFixture {
  const services: Service[] = [];
  const contexts: BrowserContext[] = [];
  let browser: Browser | undefined;

  before(async function () {
    requireBuilt(this, mains);
    assert.ok(existsSync(`${WEB_ROOT}/${html}`), `${WEB_ROOT}/${html} is missing: run npm run build -w web`);
    assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM} (set CHROMIUM_PATH)`);
    this.timeout(30_000);
    browser = await launchChromium();
  });
  after(async function () {
    this.timeout(20_000);
    await browser?.close();
    await stopAll(services, 5_000);
  });
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
  });

  return {
    services,
    async newPage(name, { width = 1100, height = 900, phone = false, firstVisit = false, prepare } = {}) {
      assert.ok(browser);
      const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1, ...(phone ? { hasTouch: true, isMobile: true } : {}) });
      contexts.push(context);
      // A returning player: the rules panel new players see first (rules-browser.test.ts) stays closed.
      if (!firstVisit) await context.addInitScript(() => window.localStorage.setItem('tessera.rules-seen', String(Number.MAX_SAFE_INTEGER)));
      await prepare?.(context);
      const page = await context.newPage();
      if (VERBOSE) page.on('console', (message) => console.log(`[${name}] ${message.text()}`));
      page.on('pageerror', (error) => console.error(`[${name}] ${error.message}`));
      return page;
    },
  };
}

/** Waits until the player page is connected and has the canvas. */
export function waitForLivePlayer(page: Page, timeoutMs = 20_000): Promise<unknown> {
  return page.waitForFunction(() => window.__tessera?.connection === 'live' && window.__tessera.loaded, null, { timeout: timeoutMs });
}

/** Clicks board pixel (x, y) on the player page. */
export async function clickPixel(page: Page, x: number, y: number): Promise<void> {
  const point = await page.evaluate(([px, py]) => window.__tessera!.clientPointOf(px, py), [x, y] as const);
  await page.mouse.click(point.x, point.y);
}

/** Clicks board pixel (x, y) and resolves with that placement's own answer (not the previous one's). */
export async function placeAndAwaitAnswer(page: Page, x: number, y: number): Promise<{ ok: boolean; error?: string }> {
  // The previous answer is kept in the page: wait for a new one, not just for the click to count.
  const before = await page.evaluate(() => {
    (window as unknown as { previousResult: unknown }).previousResult = window.__tessera!.lastResult;
    return window.__tessera!.placeCount;
  });
  await clickPixel(page, x, y);
  await page.waitForFunction(
    (count) =>
      window.__tessera!.placeCount === count + 1 &&
      window.__tessera!.lastResult !== undefined &&
      window.__tessera!.lastResult !== (window as unknown as { previousResult: unknown }).previousResult,
    before,
    { timeout: 10_000 },
  );
  return page.evaluate(() => window.__tessera!.lastResult!);
}

/** The colour the player page shows on screen at board pixel (x, y): read back from the rendered canvas. */
export function screenPixel(page: Page, x: number, y: number): Promise<number[]> {
  return page.evaluate(
    ([px, py]) => {
      const point = window.__tessera!.canvasPointOf(px, py);
      const board = document.getElementById('board') as HTMLCanvasElement;
      return [...board.getContext('2d')!.getImageData(point.x, point.y, 1, 1).data.slice(0, 3)];
    },
    [x, y] as const,
  );
}

/** Red, green, blue of a `#rrggbb` colour. */
export function rgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

// What the admin browser tests share: a real gateway (and writer, when built) from dist/ on a
// private redis-server, Chromium, a signed-in admin page, and headless players placing pixels.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { CanvasReplica } from '@tessera/protocol';
import { readCanvas } from '@tessera/store';
import { Redis } from 'ioredis';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { io } from 'socket.io-client';
import { stopAll, type Service } from '../../../scripts/lib/processes.mjs';
import { getFreePort, requireBuilt, useRedis, useS3, waitFor, type S3Handle } from '../../../test-support/index.js';
import { CHROMIUM, GATEWAY_MAIN, isOk, launchChromium, ROOT, startService, VERBOSE, WEB_ROOT, WRITER_MAIN } from './browser-harness.js';

const SNAPSHOTTER_MAIN = `${ROOT}snapshotter/dist/main.js`;

export const ADMIN_TOKEN = 'browser-admin-token-0123456789abcdef';
const SESSION_SECRET = 'admin-canvas-test-secret-at-least-32-characters';

/** The screen a page opens on: its size in CSS px, and whether it is a phone (touch, mobile viewport). */
export interface Device {
  readonly width: number;
  readonly height: number;
  readonly phone?: boolean;
}

export interface AdminCluster {
  readonly url: string;
  readonly redisUrl: string;
  /** Opens a page of the gateway; `signIn` signs the admin page in and waits for its live canvas. */
  page(path: string, name: string, device?: Device): Promise<Page>;
  signedInAdmin(device?: Device): Promise<Page>;
  /** Places one pixel as a fresh headless guest, or as the guest of `token`; says who placed it. */
  place(x: number, y: number, color: number, token?: string): Promise<{ userId: string; token: string }>;
  /** The palette index of (x, y) as Redis holds it. */
  redisColor(x: number, y: number): Promise<number>;
}

/** Call inside a describe: starts the services before its tests and stops them after; `snapshotter` adds one, with an S3 server. */
export function useAdminCluster(env: Record<string, string> = {}, options: { snapshotter?: boolean } = {}): AdminCluster {
  const services: Service[] = [];
  let url = '';
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];

  before(function () {
    requireBuilt(this, [GATEWAY_MAIN]);
    assert.ok(existsSync(`${WEB_ROOT}/admin.html`), `${WEB_ROOT}/admin.html is missing: run npm run build -w web`);
    assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM} (set CHROMIUM_PATH)`);
    if (options.snapshotter) requireBuilt(this, [SNAPSHOTTER_MAIN]);
  });
  // Registered before useRedis(), so it runs before Redis stops.
  after(async function () {
    this.timeout(20_000);
    await browser?.close();
    await stopAll(services, 5_000);
  });
  const redis = useRedis();
  const s3: S3Handle | undefined = options.snapshotter ? useS3() : undefined;

  before(async function () {
    this.timeout(60_000);
    const port = await getFreePort();
    url = `http://127.0.0.1:${port}`;
    services.push(
      startService('gateway', GATEWAY_MAIN, {
        PORT: String(port),
        HOST: '127.0.0.1',
        REDIS_URL: redis.url,
        SESSION_SECRET,
        ADMIN_TOKENS: `ops:${ADMIN_TOKEN}`,
        CANVAS_COOLDOWN_MS: '0',
        SHUTDOWN_DRAIN_MS: '200',
        WEB_ROOT,
        // With a snapshotter the gateway still creates the canvas, at the test's size, before it starts.
        ...(s3 ? { SNAPSHOTS_ENABLED: 'true', CANVAS_BOOTSTRAP: 'create' } : {}),
        ...env,
      }),
    );
    const ready = [waitFor(() => isOk(`${url}/readyz`), { timeoutMs: 30_000, message: 'gateway ready' })];
    if (existsSync(WRITER_MAIN)) {
      const writerPort = await getFreePort();
      services.push(startService('writer', WRITER_MAIN, { REDIS_URL: redis.url, HTTP_PORT: String(writerPort) }));
      ready.push(waitFor(() => isOk(`http://127.0.0.1:${writerPort}/readyz`), { timeoutMs: 30_000, message: 'writer ready' }));
    }
    await Promise.all(ready);
    if (s3) {
      const snapshotterPort = await getFreePort();
      services.push(
        startService('snapshotter', SNAPSHOTTER_MAIN, { REDIS_URL: redis.url, HTTP_PORT: String(snapshotterPort), SNAPSHOT_INTERVAL_MS: '600000', ...s3.env }),
      );
      await waitFor(() => isOk(`http://127.0.0.1:${snapshotterPort}/readyz`), { timeoutMs: 30_000, message: 'snapshotter ready' });
    }
    browser = await launchChromium();
  });

  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
  });

  async function page(path: string, name: string, device: Device = { width: 1100, height: 900 }): Promise<Page> {
    assert.ok(browser);
    const context = await browser.newContext({
      viewport: { width: device.width, height: device.height },
      deviceScaleFactor: 1,
      ...(device.phone ? { hasTouch: true, isMobile: true } : {}),
    });
    contexts.push(context);
    // A returning player: the rules panel new players see first (rules-browser.test.ts) stays closed.
    await context.addInitScript(() => window.localStorage.setItem('tessera.rules-seen', String(Number.MAX_SAFE_INTEGER)));
    const opened = await context.newPage();
    if (VERBOSE) opened.on('console', (message) => console.log(`[${name}] ${message.text()}`));
    opened.on('pageerror', (error) => console.error(`[${name}] ${error.message}`));
    await opened.goto(`${url}${path}`);
    return opened;
  }

  return {
    get url() {
      return url;
    },
    get redisUrl() {
      return redis.url;
    },
    page,
    async signedInAdmin(device) {
      const admin = await page('/admin.html', 'admin', device);
      await admin.fill('#token', ADMIN_TOKEN);
      await admin.click('#sign-in-form button[type=submit]');
      await admin.waitForSelector('#console:not([hidden])');
      await admin.waitForFunction(() => window.__tesseraAdmin?.connection === 'live' && window.__tesseraAdmin.loaded, null, { timeout: 15_000 });
      return admin;
    },
    async place(x, y, color, token) {
      const socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false, ...(token ? { auth: { token } } : {}) });
      try {
        const session = await new Promise<{ userId: string; token: string }>((resolve, reject) => {
          socket.once('welcome', (welcome: { userId: string; sessionToken?: string }) =>
            resolve({ userId: welcome.userId, token: welcome.sessionToken ?? token ?? '' }),
          );
          socket.once('connect_error', reject);
        });
        const result = (await socket.timeout(5_000).emitWithAck('place', { x, y, color })) as { ok: boolean; error?: string };
        assert.equal(result.ok, true, `placing (${x}, ${y}): ${result.error ?? ''}`);
        return session;
      } finally {
        socket.close();
      }
    },
    async redisColor(x, y) {
      const client = new Redis(redis.url);
      try {
        const frame = await readCanvas(client, 'main');
        assert.ok(frame, 'canvas missing in Redis');
        const replica = new CanvasReplica();
        replica.loadCanvas(frame);
        return replica.colorAt(x, y);
      } finally {
        client.disconnect();
      }
    },
  };
}

declare global {
  interface Window {
    readonly __tesseraAdmin?: {
      readonly connection: string;
      readonly loaded: boolean;
      readonly selection: { x: number; y: number; width: number; height: number } | undefined;
      colorAt(x: number, y: number): number;
      clientPointOf(x: number, y: number): { x: number; y: number };
      readonly view: { readonly x: number; readonly y: number; readonly zoom: number };
    };
  }
}

/** Wheels the admin canvas in around board pixel (x, y) until a board pixel is at least `zoom` CSS px. */
export async function zoomAdminCanvasTo(admin: Page, x: number, y: number, zoom: number): Promise<void> {
  await admin.locator('#admin-board').scrollIntoViewIfNeeded();
  for (let i = 0; i < 20 && (await admin.evaluate(() => window.__tesseraAdmin!.view.zoom)) < zoom; i++) {
    const point = await admin.evaluate(([px, py]) => window.__tesseraAdmin!.clientPointOf(px, py), [x, y] as const);
    await admin.mouse.move(point.x, point.y);
    await admin.mouse.wheel(0, -500);
  }
  assert.ok((await admin.evaluate(() => window.__tesseraAdmin!.view.zoom)) >= zoom, 'the admin canvas zoomed in');
}

/** A one-finger drag through Chromium's own touch input (pointer events of type 'touch'). */
export async function touchDrag(page: Page, from: { x: number; y: number }, to: { x: number; y: number }, steps = 6): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x: from.x, y: from.y }] });
  for (let i = 1; i <= steps; i++) {
    const x = from.x + ((to.x - from.x) * i) / steps;
    const y = from.y + ((to.y - from.y) * i) / steps;
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x, y }] });
  }
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  await cdp.detach();
}

/** Holds one finger still on a point for `ms`, then lifts it. */
export async function touchHold(page: Page, at: { x: number; y: number }, ms: number): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x: at.x, y: at.y }] });
  await page.waitForTimeout(ms); // the gesture itself is a hold of this length, not a wait for a state
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  await cdp.detach();
}

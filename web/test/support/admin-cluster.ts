// What the browser tests against one gateway share: a real gateway (and writer, when built) from
// dist/ on a private redis-server, Chromium, pages of that gateway, a signed-in admin page, the
// admin API, and headless players placing pixels.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { ADMIN_API_BASE, CanvasReplica } from '@tessera/protocol';
import { readCanvas } from '@tessera/store';
import { Redis } from 'ioredis';
import type { Page } from 'playwright-core';
import { io } from 'socket.io-client';
import { getFreePort, useRedis, useS3, type S3Handle } from '../../../test-support/index.js';
import { gatewayEnv, GATEWAY_MAIN, ROOT, startService, useBrowser, waitReady, WRITER_MAIN, type PageOptions } from './browser-harness.js';

const SNAPSHOTTER_MAIN = `${ROOT}snapshotter/dist/main.js`;

export const ADMIN_TOKEN = 'browser-admin-token-0123456789abcdef';

/** Calls the admin API of the gateway at `url` with `token`; it must answer 200, with JSON. */
export async function callAdminApi(url: string, token: string, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${url}${ADMIN_API_BASE}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  assert.equal(response.status, 200, `${method} ${path}: ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/** Signs an open admin page in with `token` and waits for its console. */
export async function signInAdmin(admin: Page, token = ADMIN_TOKEN): Promise<void> {
  await admin.fill('#token', token);
  await admin.click('#sign-in-form button[type=submit]');
  await admin.waitForSelector('#console:not([hidden])');
}

export interface AdminCluster {
  readonly url: string;
  readonly redisUrl: string;
  /** The S3 server's endpoint, with `snapshotter`. */
  readonly s3Endpoint: string;
  /** Opens a page of the gateway at `path` (see {@link PageOptions}). */
  page(path: string, name: string, options?: PageOptions): Promise<Page>;
  /** Opens the admin page, signs it in, and waits for its live canvas. */
  signedInAdmin(options?: PageOptions): Promise<Page>;
  /** Calls the gateway's admin API as the admin (see {@link callAdminApi}). */
  admin(method: string, path: string, body?: unknown): Promise<Record<string, unknown>>;
  /** Places one pixel as a fresh headless guest, or as the guest of `token`; says who placed it. */
  place(x: number, y: number, color: number, token?: string): Promise<{ userId: string; token: string }>;
  /** The palette index of (x, y) as Redis holds it. */
  redisColor(x: number, y: number): Promise<number>;
}

export interface AdminClusterOptions {
  /** Adds a snapshotter, with an S3 server. */
  readonly snapshotter?: boolean;
  /** 'when-built' (the default) starts the writer if writer/dist is there; 'required' skips the tests without it. */
  readonly writer?: 'when-built' | 'required' | 'none';
}

/** Call inside a describe: starts the services before its tests and stops them after; `env` adds to the gateway's. */
export function useAdminCluster(env: Record<string, string> = {}, options: AdminClusterOptions = {}): AdminCluster {
  const writer = options.writer ?? 'when-built';
  const mains = [GATEWAY_MAIN, ...(writer === 'required' ? [WRITER_MAIN] : []), ...(options.snapshotter ? [SNAPSHOTTER_MAIN] : [])];
  const browser = useBrowser(mains, 'admin.html');
  const redis = useRedis();
  const s3: S3Handle | undefined = options.snapshotter ? useS3() : undefined;
  let url = '';

  before(async function () {
    this.timeout(60_000);
    const port = await getFreePort();
    url = `http://127.0.0.1:${port}`;
    browser.services.push(
      startService(
        'gateway',
        GATEWAY_MAIN,
        gatewayEnv(port, redis.url, {
          ADMIN_TOKENS: `ops:${ADMIN_TOKEN}`,
          // With a snapshotter the gateway still creates the canvas, at the test's size, before it starts.
          ...(s3 ? { SNAPSHOTS_ENABLED: 'true', CANVAS_BOOTSTRAP: 'create' } : {}),
          ...env,
        }),
      ),
    );
    const ready = [waitReady(url, 'gateway')];
    if (writer !== 'none' && existsSync(WRITER_MAIN)) {
      const writerPort = await getFreePort();
      browser.services.push(startService('writer', WRITER_MAIN, { REDIS_URL: redis.url, HTTP_PORT: String(writerPort) }));
      ready.push(waitReady(`http://127.0.0.1:${writerPort}`, 'writer'));
    }
    await Promise.all(ready);
    if (s3) {
      const snapshotterPort = await getFreePort();
      browser.services.push(
        startService('snapshotter', SNAPSHOTTER_MAIN, { REDIS_URL: redis.url, HTTP_PORT: String(snapshotterPort), SNAPSHOT_INTERVAL_MS: '600000', ...s3.env }),
      );
      await waitReady(`http://127.0.0.1:${snapshotterPort}`, 'snapshotter');
    }
  });

  async function page(path: string, name: string, pageOptions?: PageOptions): Promise<Page> {
    const opened = await browser.newPage(name, pageOptions);
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
    get s3Endpoint() {
      assert.ok(s3, 'no S3 server without the snapshotter');
      return s3.endpoint;
    },
    page,
    async signedInAdmin(pageOptions) {
      const admin = await page('/admin.html', 'admin', pageOptions);
      await signInAdmin(admin);
      await admin.waitForFunction(() => window.__tesseraAdmin?.connection === 'live' && window.__tesseraAdmin.loaded, null, { timeout: 15_000 });
      return admin;
    },
    admin: (method, path, body) => callAdminApi(url, ADMIN_TOKEN, method, path, body),
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

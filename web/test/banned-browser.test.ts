// Banned and paused players keep watching, in real Chromium against a real gateway and writer
// (from their dist/main.js): a ban reaches the page live and after a reload, says why and until
// when in one place, leaves the canvas live and read-only, and ends on its own; a pause shows so.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { ADMIN_API_BASE } from '@tessera/protocol';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { io } from 'socket.io-client';
import { stopAll, type Service } from '../../scripts/lib/processes.mjs';
import { getFreePort, requireBuilt, useRedis, waitFor } from '../../test-support/index.js';
import { CHROMIUM, GATEWAY_MAIN, isOk, launchChromium, startService, VERBOSE, WEB_ROOT, WRITER_MAIN } from './support/browser-harness.js';

const SESSION_SECRET = 'banned-browser-secret-at-least-32-characters';
const ADMIN_TOKEN = 'banned-admin-token-0123456789abcdef';

describe('banned and paused players in a browser', function () {
  this.timeout(90_000);

  before(function () {
    requireBuilt(this, [GATEWAY_MAIN, WRITER_MAIN]);
    assert.ok(existsSync(`${WEB_ROOT}/index.html`), `${WEB_ROOT}/index.html is missing: run npm run build -w web`);
    assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM} (set CHROMIUM_PATH)`);
  });

  const services: Service[] = [];
  let url = '';
  let browser: Browser | undefined;

  after(async function () {
    this.timeout(20_000);
    await browser?.close();
    await stopAll(services, 5_000);
  });

  const redis = useRedis();

  before(async function () {
    this.timeout(60_000);
    const [port, writerPort] = await Promise.all([getFreePort(), getFreePort()]);
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
      }),
      startService('writer', WRITER_MAIN, { REDIS_URL: redis.url, HTTP_PORT: String(writerPort) }),
    );
    await waitFor(async () => (await isOk(`${url}/readyz`)) && isOk(`http://127.0.0.1:${writerPort}/readyz`), {
      timeoutMs: 30_000,
      message: 'gateway and writer ready',
    });
    browser = await launchChromium();
  });

  let context: BrowserContext | undefined;
  afterEach(async () => {
    await context?.close();
    context = undefined;
  });

  async function newPage(): Promise<Page> {
    assert.ok(browser);
    context = await browser.newContext({ viewport: { width: 900, height: 700 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    if (VERBOSE) page.on('console', (message) => console.log(`[player] ${message.text()}`));
    page.on('pageerror', (error) => console.error(`[player] ${error.message}`));
    return page;
  }

  async function admin(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
    const response = await fetch(`${url}${ADMIN_API_BASE}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    assert.equal(response.status, 200, `${method} ${path}`);
    return (await response.json()) as Record<string, unknown>;
  }

  const waitLive = (page: Page): Promise<unknown> =>
    page.waitForFunction(() => window.__tessera?.connection === 'live' && window.__tessera.loaded, null, { timeout: 20_000 });
  /** The guest's user id, from the session the gateway issued (`v1.<userId>.…`). */
  const userIdOf = (page: Page): Promise<string> => page.evaluate(() => localStorage.getItem('tessera.session')!.split('.')[1]!);
  const bannerText = (page: Page): Promise<string> =>
    page.evaluate(() => (document.getElementById('blocked')?.hidden === false ? document.getElementById('blocked')!.textContent : ''));
  /** How often `needle` is on screen (visible text only). */
  const shown = (page: Page, needle: string): Promise<number> => page.evaluate((text) => document.body.innerText.split(text).length - 1, needle);

  async function clickPixel(page: Page, x: number, y: number): Promise<void> {
    const point = await page.evaluate(([px, py]) => window.__tessera!.clientPointOf(px, py), [x, y] as const);
    await page.mouse.click(point.x, point.y);
  }

  /** Places a pixel as another guest, over a plain socket. */
  async function placeAsSomeoneElse(x: number, y: number, color: number): Promise<void> {
    const socket = io(url, { transports: ['websocket'], reconnection: false });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('welcome', () => resolve());
        socket.once('connect_error', reject);
      });
      const result = (await socket.timeout(5000).emitWithAck('place', { x, y, color })) as { ok: boolean };
      assert.equal(result.ok, true);
    } finally {
      socket.close();
    }
  }

  it('a player banned while playing keeps watching live, reads the reason and the expiry once, and still does after a reload', async () => {
    const page = await newPage();
    await page.goto(`${url}/#x=20.5&y=20.5&z=16`);
    await waitLive(page);
    const userId = await userIdOf(page);

    const ban = await admin('PUT', `/bans/${userId}`, { reason: 'griefing the logo', durationMs: 3_600_000 });
    await page.waitForFunction(() => (document.getElementById('blocked')?.textContent ?? '').includes('griefing the logo'), null, { timeout: 15_000 });
    await waitLive(page);
    const expected = await page.evaluate(
      (expiresAt) => new Date(expiresAt).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }),
      ban.expiresAt as number,
    );
    assert.equal(await bannerText(page), `You are banned from placing on this canvas: griefing the logo. You can keep watching. It ends ${expected}.`);
    assert.equal(await shown(page, 'griefing the logo'), 1, 'said once, not in a toast as well');

    // Read-only: a click sends nothing; someone else's pixel still arrives.
    const sent = await page.evaluate(() => window.__tessera!.placeCount);
    await clickPixel(page, 20, 20);
    await placeAsSomeoneElse(21, 20, 3);
    await page.waitForFunction(() => window.__tessera!.replica.colorAt(21, 20) === 3, null, { timeout: 10_000 });
    assert.equal(await page.evaluate(() => window.__tessera!.placeCount), sent);
    assert.equal(await page.evaluate(() => document.body.dataset.banned), 'true');

    // The reload that used to show a spinner forever: the canvas, live, with the ban said once.
    await page.reload();
    await waitLive(page);
    assert.equal(await page.evaluate(() => document.getElementById('splash')?.hidden), true);
    assert.equal(await page.evaluate(() => window.__tessera!.replica.colorAt(21, 20)), 3);
    assert.equal(await bannerText(page), `You are banned from placing on this canvas: griefing the logo. You can keep watching. It ends ${expected}.`);
    assert.equal(await shown(page, 'griefing the logo'), 1);

    await admin('DELETE', `/bans/${userId}`);
  });

  it('says a ban does not expire when it does not, and lets the player place again once a timed ban ends', async () => {
    const page = await newPage();
    await page.goto(`${url}/#x=20.5&y=20.5&z=16`);
    await waitLive(page);
    const userId = await userIdOf(page);

    await admin('PUT', `/bans/${userId}`, { reason: '' });
    await page.waitForFunction(
      () => document.getElementById('blocked')?.textContent === 'You are banned from placing on this canvas. You can keep watching. This ban does not expire.',
      null,
      { timeout: 15_000 },
    );

    await admin('PUT', `/bans/${userId}`, { reason: 'cool off', durationMs: 3_000 });
    await page.waitForFunction(() => (document.getElementById('blocked')?.textContent ?? '').includes('cool off'), null, { timeout: 15_000 });
    // When it ends, the page connects again by itself and the banner goes.
    await page.waitForFunction(() => document.getElementById('blocked')?.hidden === true && window.__tessera?.connection === 'live', null, { timeout: 15_000 });
    await clickPixel(page, 22, 20);
    await page.waitForFunction(() => window.__tessera!.lastResult?.ok === true, null, { timeout: 10_000 });
  });

  it('a paused canvas shows so to every player, and placing is off until it resumes', async () => {
    const page = await newPage();
    await page.goto(`${url}/#x=20.5&y=20.5&z=16`);
    await waitLive(page);
    await admin('PUT', '/paused', { paused: true });
    try {
      await page.waitForFunction(() => document.getElementById('paused')?.hidden === false, null, { timeout: 10_000 });
      assert.equal(await page.evaluate(() => document.getElementById('hint')?.textContent), 'Placing is paused');
      const sent = await page.evaluate(() => window.__tessera!.placeCount);
      await clickPixel(page, 23, 20);
      assert.equal(await page.evaluate(() => window.__tessera!.placeCount), sent);
      // After a reload too.
      await page.reload();
      await waitLive(page);
      assert.equal(await page.evaluate(() => document.getElementById('paused')?.hidden), false);
    } finally {
      await admin('PUT', '/paused', { paused: false });
    }
    await page.waitForFunction(() => document.getElementById('paused')?.hidden === true, null, { timeout: 10_000 });
    await clickPixel(page, 23, 20);
    await page.waitForFunction(() => window.__tessera!.lastResult?.ok === true, null, { timeout: 10_000 });
  });
});

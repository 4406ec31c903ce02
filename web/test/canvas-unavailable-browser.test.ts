// The player page through a Redis outage in real Chromium: the gateway (from its dist/main.js) stays
// up and connected, the page says the canvas is temporarily unavailable while Redis is stopped,
// and clears that as soon as it is back; placing works again without a reload.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { stopAll, type Service } from '../../scripts/lib/processes.mjs';
import { getFreePort, requireBuilt, startRedis, waitFor, type RedisServer } from '../../test-support/index.js';
import { CHROMIUM, GATEWAY_MAIN, isOk, launchChromium, startService, VERBOSE, WEB_ROOT, WRITER_MAIN } from './support/browser-harness.js';

const SESSION_SECRET = 'unavailable-browser-secret-at-least-32-chars';

describe('the player page through a Redis outage', function () {
  this.timeout(90_000);

  before(function () {
    requireBuilt(this, [GATEWAY_MAIN, WRITER_MAIN]);
    assert.ok(existsSync(`${WEB_ROOT}/index.html`), `${WEB_ROOT}/index.html is missing: run npm run build -w web`);
    assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM} (set CHROMIUM_PATH)`);
  });

  const services: Service[] = [];
  let browser: Browser | undefined;
  let redis: RedisServer | undefined;
  let dir = '';
  let url = '';

  before(async function () {
    this.timeout(60_000);
    // AOF in a directory of our own, so Redis comes back on the same port with the canvas.
    dir = mkdtempSync(path.join(os.tmpdir(), 'tessera-unavailable-'));
    redis = await startRedis({ dir, appendonly: true });
    const port = await getFreePort();
    url = `http://127.0.0.1:${port}`;
    services.push(
      startService('gateway', GATEWAY_MAIN, {
        PORT: String(port),
        HOST: '127.0.0.1',
        REDIS_URL: redis.url,
        SESSION_SECRET,
        CANVAS_COOLDOWN_MS: '0',
        SHUTDOWN_DRAIN_MS: '200',
        WEB_ROOT,
      }),
      startService('writer', WRITER_MAIN, { REDIS_URL: redis.url, HTTP_PORT: String(await getFreePort()) }),
    );
    await waitFor(() => isOk(`${url}/readyz`), { timeoutMs: 30_000, message: 'gateway ready' });
    browser = await launchChromium();
  });
  after(async function () {
    this.timeout(20_000);
    await browser?.close();
    await stopAll(services, 5_000);
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const bannerShown = (page: Page): Promise<boolean> => page.evaluate(() => !document.getElementById('unavailable')!.hidden);
  async function clickPixel(page: Page, x: number, y: number): Promise<void> {
    const point = await page.evaluate(([px, py]) => window.__tessera!.clientPointOf(px, py), [x, y] as const);
    await page.mouse.click(point.x, point.y);
  }
  /** Clicks (x, y) and resolves with the placement's answer as the page got it. */
  async function place(page: Page, x: number, y: number): Promise<{ ok: boolean; error?: string }> {
    // The previous answer is kept in the page: wait for a new one, not just for the click to count.
    const before = await page.evaluate(() => {
      (window as unknown as { previousResult: unknown }).previousResult = window.__tessera!.lastResult;
      return window.__tessera!.placeCount;
    });
    await clickPixel(page, x, y);
    await page.waitForFunction(
      (count) =>
        window.__tessera!.placeCount > count &&
        window.__tessera!.lastResult !== undefined &&
        window.__tessera!.lastResult !== (window as unknown as { previousResult: unknown }).previousResult,
      before,
      { timeout: 10_000 },
    );
    return page.evaluate(() => window.__tessera!.lastResult!);
  }

  it('shows "temporarily unavailable" while Redis is down, refuses placing with that reason, and clears it when Redis is back', async () => {
    assert.ok(browser && redis);
    const context = await browser.newContext({ viewport: { width: 900, height: 700 } });
    const page = await context.newPage();
    if (VERBOSE) page.on('console', (message) => console.log(`[page] ${message.text()}`));
    await page.goto(`${url}/#x=20.5&y=20.5&z=16`);
    await page.waitForFunction(() => window.__tessera?.connection === 'live' && window.__tessera.loaded, null, { timeout: 15_000 });
    assert.equal(await bannerShown(page), false);
    assert.equal((await place(page, 20, 20)).ok, true);

    const port = redis.port;
    await redis.stop();
    await page.waitForFunction(() => !document.getElementById('unavailable')!.hidden, null, { timeout: 10_000 });
    const text = await page.evaluate(() => document.getElementById('unavailable')!.textContent ?? '');
    assert.match(text, /temporarily unavailable/);
    assert.equal(await page.evaluate(() => window.__tessera!.connection), 'live', 'the socket stays up: only the canvas is unavailable');
    assert.equal(await isOk(`${url}/readyz`), true, 'the gateway stays ready');
    assert.deepEqual(await place(page, 21, 20), { ok: false, error: 'CANVAS_UNAVAILABLE' });
    assert.equal(await bannerShown(page), true);

    redis = await startRedis({ dir, port, appendonly: true });
    await page.waitForFunction(() => document.getElementById('unavailable')!.hidden, null, { timeout: 20_000 });
    await waitFor(async () => (await place(page, 22, 20)).ok, { timeoutMs: 10_000, message: 'placing to work again' });
    assert.equal(await bannerShown(page), false);
    await context.close();
  });
});

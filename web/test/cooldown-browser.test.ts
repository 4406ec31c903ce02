// The player page's countdown in real Chromium against a real gateway (from its dist/main.js):
// an admin changes the cooldown while the player waits, and the countdown follows at once.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { ADMIN_API_BASE } from '@tessera/protocol';
import type { Browser, Page } from 'playwright-core';
import { stopAll, type Service } from '../../scripts/lib/processes.mjs';
import { getFreePort, requireBuilt, useRedis, waitFor } from '../../test-support/index.js';
import { CHROMIUM, GATEWAY_MAIN, isOk, launchChromium, startService, VERBOSE, WEB_ROOT } from './support/browser-harness.js';

const SESSION_SECRET = 'cooldown-browser-secret-at-least-32-characters';
const ADMIN_TOKEN = 'cooldown-admin-token-0123456789abcdef';

describe('the countdown in a browser', function () {
  this.timeout(90_000);

  before(function () {
    requireBuilt(this, [GATEWAY_MAIN]);
    assert.ok(existsSync(`${WEB_ROOT}/index.html`), `${WEB_ROOT}/index.html is missing: run npm run build -w web`);
    assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM} (set CHROMIUM_PATH)`);
  });

  const services: Service[] = [];
  let url = '';
  let browser: Browser | undefined;

  // Registered before useRedis(), so it runs before Redis stops.
  after(async function () {
    this.timeout(20_000);
    await browser?.close();
    await stopAll(services, 5_000);
  });

  const redis = useRedis();

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
        CANVAS_COOLDOWN_MS: '300000',
        SHUTDOWN_DRAIN_MS: '200',
        WEB_ROOT,
      }),
    );
    await waitFor(() => isOk(`${url}/readyz`), { timeoutMs: 30_000, message: 'gateway ready' });
    browser = await launchChromium();
  });

  async function setCooldown(cooldownMs: number): Promise<void> {
    const response = await fetch(`${url}${ADMIN_API_BASE}/cooldown`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ cooldownMs }),
    });
    assert.equal(response.status, 200);
  }

  const countdown = (page: Page): Promise<string> => page.evaluate(() => document.getElementById('cooldown')?.textContent ?? '');
  /** Waits until the countdown's text matches `pattern`; says what it showed if it never does. */
  async function waitForCountdown(page: Page, pattern: RegExp, what: string): Promise<void> {
    await page
      .waitForFunction((source) => new RegExp(source).test(document.getElementById('cooldown')?.textContent ?? ''), pattern.source, { timeout: 5_000 })
      .catch(async (error: unknown) => {
        throw new Error(`${what}: the countdown shows "${await countdown(page)}" (${(error as Error).message})`);
      });
  }

  async function clickPixel(page: Page, x: number, y: number): Promise<void> {
    const point = await page.evaluate(([px, py]) => window.__tessera!.clientPointOf(px, py), [x, y] as const);
    await page.mouse.click(point.x, point.y);
  }

  it('follows a cooldown change pushed while the player waits: 5 min, then 1 min, then ready', async () => {
    assert.ok(browser);
    const context = await browser.newContext({ viewport: { width: 900, height: 700 }, deviceScaleFactor: 1 });
    try {
      const page = await context.newPage();
      if (VERBOSE) page.on('console', (message) => console.log(`[player] ${message.text()}`));
      page.on('pageerror', (error) => console.error(`[player] ${error.message}`));
      await page.goto(`${url}/#x=20.5&y=20.5&z=16`);
      await page.waitForFunction(() => window.__tessera?.connection === 'live' && window.__tessera.loaded, null, { timeout: 15_000 });
      await waitForCountdown(page, /^Ready$/, 'before placing');

      await clickPixel(page, 20, 20);
      await page.waitForFunction(() => window.__tessera!.lastResult?.ok === true, null, { timeout: 6_000 });
      await waitForCountdown(page, /^(4:[0-5]\d|5:00)$/, 'after placing under 5 min');

      await setCooldown(60_000);
      await waitForCountdown(page, /^(0:[0-5]\d|1:00)$/, 'after the push of 1 min');

      await setCooldown(0);
      await waitForCountdown(page, /^Ready$/, 'after the push of 0');
      await clickPixel(page, 21, 20);
      await page.waitForFunction(() => window.__tessera!.placeCount === 2 && window.__tessera!.lastResult?.ok === true, null, { timeout: 6_000 });
    } finally {
      await context.close();
    }
  });
});

// The rules panel and the phone's confirm step in real Chromium against a real gateway: the
// admin's text shown once (as text, never HTML), again after an edit, reopenable; on a phone a
// tap asks before it places.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { ADMIN_API_BASE } from '@tessera/protocol';
import type { Browser, Page } from 'playwright-core';
import { stopAll, type Service } from '../../scripts/lib/processes.mjs';
import { getFreePort, requireBuilt, useRedis, waitFor } from '../../test-support/index.js';
import { CHROMIUM, GATEWAY_MAIN, isOk, launchChromium, startService, VERBOSE, WEB_ROOT } from './support/browser-harness.js';

const SESSION_SECRET = 'rules-browser-secret-at-least-32-characters';
const ADMIN_TOKEN = 'rules-admin-token-0123456789abcdef';

describe('the rules panel and the confirm step', function () {
  this.timeout(90_000);

  before(function () {
    requireBuilt(this, [GATEWAY_MAIN]);
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
      }),
    );
    await waitFor(() => isOk(`${url}/readyz`), { timeoutMs: 30_000, message: 'gateway ready' });
    browser = await launchChromium();
  });

  async function putRules(text: string): Promise<void> {
    const response = await fetch(`${url}${ADMIN_API_BASE}/rules`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text }),
    });
    assert.equal(response.status, 200);
  }
  async function open(page: Page, hash = ''): Promise<void> {
    if (VERBOSE) page.on('console', (message) => console.log(`[player] ${message.text()}`));
    await page.goto(`${url}/${hash}`);
    await page.waitForFunction(() => window.__tessera?.connection === 'live' && window.__tessera.loaded, null, { timeout: 15_000 });
  }
  const panelShown = (page: Page) => page.evaluate(() => !document.getElementById('rules-panel')!.hidden);

  it("shows the admin's rules once, as text, again after an edit, and on demand", async () => {
    assert.ok(browser);
    await putRules('Be kind.\n\n- One account each\n- <img src=x onerror="window.pwned=1"> no bots');
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await open(page);
      await page.waitForSelector('#rules-panel:not([hidden])', { timeout: 10_000 });
      const items = await page.$$eval('#rules-panel .rules-text li', (lis) => lis.map((li) => li.textContent));
      assert.deepEqual(items, ['One account each', '<img src=x onerror="window.pwned=1"> no bots']);
      assert.equal(await page.$$eval('#rules-panel img', (images) => images.length), 0, 'the admin text is never markup');
      assert.equal(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned), undefined);
      await page.click('#rules-ok');
      assert.equal(await panelShown(page), false);

      await page.reload();
      await open(page);
      await page.waitForFunction(() => document.querySelector('#rules-panel .rules-text p') !== null, null, { timeout: 10_000 });
      assert.equal(await panelShown(page), false, 'remembered');
      await page.click('#help-button');
      assert.equal(await panelShown(page), true, 'reopened');
      await page.click('#rules-ok');

      // The second edit through the admin page, as an admin would.
      const admin = await context.newPage();
      await admin.goto(`${url}/admin.html`);
      await admin.fill('#token', ADMIN_TOKEN);
      await admin.click('#sign-in-form button[type=submit]');
      await admin.waitForFunction(() => document.querySelector<HTMLTextAreaElement>('#rules-text')?.value.startsWith('Be kind.'), null, { timeout: 5_000 });
      assert.equal(await admin.textContent('#rules-version'), 'version 1');
      await admin.fill('#rules-text', 'New rules.');
      await admin.click('#rules-form button[type=submit]');
      await admin.waitForFunction(() => document.getElementById('rules-version')?.textContent === 'version 2', null, { timeout: 5_000 });
      await admin.close();
      await page.reload();
      await open(page);
      await page.waitForSelector('#rules-panel:not([hidden])', { timeout: 10_000 });
      assert.equal(await page.textContent('#rules-panel .rules-text'), 'New rules.');
    } finally {
      await context.close();
    }
  });

  it('asks on a phone before a tap places, and places only on "Place"', async () => {
    assert.ok(browser);
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    try {
      const page = await context.newPage();
      await open(page, '#x=15.5&y=15.5&z=14');
      await page.waitForSelector('#rules-panel:not([hidden])', { timeout: 10_000 });
      assert.equal(await page.isChecked('#confirm-taps'), true, 'on by default on a phone');
      await page.tap('#rules-ok');

      const point = await page.evaluate(() => window.__tessera!.clientPointOf(15, 15));
      await page.touchscreen.tap(point.x, point.y);
      await page.waitForSelector('#confirm-bar:not([hidden])', { timeout: 5_000 });
      assert.equal(await page.textContent('#confirm-text'), 'Place at (15, 15)?');
      assert.equal(await page.evaluate(() => window.__tessera!.placeCount), 0, 'nothing placed yet');
      await page.tap('#confirm-cancel');
      assert.equal(await page.evaluate(() => window.__tessera!.placeCount), 0, 'cancel places nothing');

      await page.touchscreen.tap(point.x, point.y);
      await page.tap('#confirm-place');
      await page.waitForFunction(() => window.__tessera!.placeCount === 1 && window.__tessera!.lastResult?.ok === true, null, { timeout: 6_000 });

      // Turned off, a tap places at once.
      await page.tap('#help-button');
      await page.tap('#confirm-taps');
      await page.tap('#rules-ok');
      await page.touchscreen.tap(point.x, point.y);
      await page.waitForFunction(() => window.__tessera!.placeCount === 2, null, { timeout: 6_000 });
    } finally {
      await context.close();
    }
  });
});

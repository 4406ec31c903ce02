// The cooldown a player can leave running, in real Chromium against a real gateway: the time
// left in the tab title, the countdown right after a reload (before and after the welcome), and
// the alert toggle asking for notification permission only when clicked.
import assert from 'node:assert/strict';
import type { BrowserContext, Page } from 'playwright-core';
import { waitFor } from '../../test-support/index.js';
import { useAdminCluster } from './support/admin-cluster.js';
import { clickPixel, waitForLivePlayer as live } from './support/browser-harness.js';

const WAITING_TITLE = /^(4:[0-5]\d|5:00) · Tessera$/;

describe('a cooldown players can leave running', function () {
  this.timeout(90_000);
  const cluster = useAdminCluster({ CANVAS_COOLDOWN_MS: '300000' }, { writer: 'none' });

  async function waitForTitle(page: Page, pattern: RegExp, what: string): Promise<void> {
    await page
      .waitForFunction((source) => new RegExp(source).test(document.title), pattern.source, { timeout: 5_000 })
      .catch(async (error: unknown) => {
        throw new Error(`${what}: the title reads "${await page.title()}" (${(error as Error).message})`);
      });
  }

  it('remembers no countdown for a visitor who never placed, and ignores a corrupted one', async () => {
    const seedCorrupted = (context: BrowserContext) =>
      context.addInitScript(() => {
        if (!sessionStorage.getItem('seeded')) {
          sessionStorage.setItem('seeded', '1');
          localStorage.setItem('tessera.cooldown-end', 'not-a-number');
        }
      });
    const page = await cluster.page('/', 'player', { prepare: seedCorrupted });
    await live(page);
    assert.equal(await page.textContent('#cooldown'), 'Ready');
    assert.equal(await page.title(), 'Tessera');
    await page.evaluate(() => localStorage.setItem('tessera.cooldown-end', String(Date.now() + 400 * 24 * 3600_000)));
    await page.reload();
    await live(page);
    assert.equal(await page.textContent('#cooldown'), 'Ready', 'an end a year away is not ours');
  });

  it('shows the time left in the tab title, and again at once after a reload', async () => {
    const page = await cluster.page('/#x=10.5&y=10.5&z=16', 'player', { width: 900, height: 700 });
    await live(page);
    assert.equal(await page.title(), 'Tessera', 'no countdown in the title before placing');

    await clickPixel(page, 10, 10);
    await page.waitForFunction(() => window.__tessera!.lastResult?.ok === true, null, { timeout: 6_000 });
    await waitForTitle(page, WAITING_TITLE, 'after placing');

    // The socket is held back: the countdown must come from the last visit, not the welcome.
    let holdBack = true;
    await page.routeWebSocket(/socket\.io/, (socket) => {
      if (!holdBack) socket.connectToServer();
    });
    await page.reload();
    await waitForTitle(page, WAITING_TITLE, 'reloaded without a connection');
    assert.match((await page.textContent('#cooldown')) ?? '', /^(4:[0-5]\d|5:00)$/);
    assert.notEqual(await page.evaluate(() => window.__tessera!.connection), 'live', 'the welcome really was held back');

    holdBack = false;
    await page.reload();
    await live(page);
    await waitForTitle(page, WAITING_TITLE, 'reloaded and welcomed');
  });

  it('asks for notification permission only from the toggle, and remembers the choice', async () => {
    // Counts permission requests; the browser's own API still answers them.
    const countRequests = (context: BrowserContext) =>
      context.addInitScript(() => {
        const ask = Notification.requestPermission.bind(Notification);
        (window as unknown as { asked: number }).asked = 0;
        Notification.requestPermission = () => {
          (window as unknown as { asked: number }).asked++;
          return ask();
        };
      });
    const page = await cluster.page('/', 'player', { prepare: countRequests });
    await live(page);
    const asked = () => page.evaluate(() => (window as unknown as { asked: number }).asked);
    assert.equal(await asked(), 0, 'nothing asked on load');
    assert.equal(await page.getAttribute('#cooldown-alerts', 'aria-pressed'), 'false');

    await page.click('#cooldown-alerts');
    await waitFor(async () => (await asked()) === 1, { timeoutMs: 5_000, message: 'permission asked on the click' });
    assert.equal(await page.getAttribute('#cooldown-alerts', 'aria-pressed'), 'true');
    await page.waitForSelector('#toast:not([hidden])', { timeout: 5_000 });

    await page.reload();
    await live(page);
    assert.equal(await page.getAttribute('#cooldown-alerts', 'aria-pressed'), 'true', 'remembered');
    assert.equal(await asked(), 0, 'a reload asks nothing');
    await page.click('#cooldown-alerts');
    assert.equal(await page.getAttribute('#cooldown-alerts', 'aria-pressed'), 'false', 'and can be turned off');
  });

  it('notifies a player who left the tab, once, when the cooldown ends, and says "Ready" in the title', async () => {
    await cluster.admin('PUT', '/cooldown', { cooldownMs: 3_000 });
    const allowAndRecord = async (context: BrowserContext) => {
      await context.grantPermissions(['notifications'], { origin: cluster.url });
      // Records what the page shows; the browser's own Notification still runs.
      await context.addInitScript(() => {
        const shown: string[] = [];
        (window as unknown as { shown: string[] }).shown = shown;
        const Real = window.Notification;
        window.Notification = class extends Real {
          constructor(title: string, options?: NotificationOptions) {
            super(title, options);
            shown.push(`${title}: ${options?.body ?? ''}`);
          }
        };
      });
    };
    const page = await cluster.page('/#x=30.5&y=30.5&z=16', 'player', { width: 900, height: 700, prepare: allowAndRecord });
    await live(page);
    await page.waitForFunction(() => document.getElementById('cooldown')?.textContent === 'Ready', null, { timeout: 10_000 });
    await page.click('#cooldown-alerts');
    assert.equal(await page.getAttribute('#cooldown-alerts', 'aria-pressed'), 'true');
    await clickPixel(page, 30, 30);
    await page.waitForFunction(() => window.__tessera!.lastResult?.ok === true, null, { timeout: 6_000 });

    // Playwright keeps every page visible, so the tab is "left" the way the browser reports it.
    const setVisibility = (state: 'hidden' | 'visible') =>
      page.evaluate(
        // A string, so the bundler's helpers (tsx names arrow functions) never reach the page.
        `Object.defineProperty(document, 'visibilityState', { configurable: true, get() { return '${state}'; } });
         document.dispatchEvent(new Event('visibilitychange'));`,
      );
    await setVisibility('hidden');
    await waitForTitle(page, /^Ready · Tessera$/, 'ready while away');
    await page.waitForFunction(() => (window as unknown as { shown: string[] }).shown.length === 1, null, { timeout: 5_000 });
    assert.deepEqual(await page.evaluate(() => (window as unknown as { shown: string[] }).shown), ['Tessera: You can place your next pixel.']);

    await setVisibility('visible');
    await waitForTitle(page, /^Tessera$/, 'back on the tab');
  });
});

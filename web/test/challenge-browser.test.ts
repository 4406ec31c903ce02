// The proof-of-work challenge in real Chromium against real gateways (from their dist/main.js):
// off, no widget appears and nothing of it loads; on, the ALTCHA widget fetches a challenge, its
// workers solve it, and the player places. Prints what a solve costs at two difficulties.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { ADMIN_API_BASE, type ChallengeSettings } from '@tessera/protocol';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { stopAll, type Service } from '../../scripts/lib/processes.mjs';
import { getFreePort, requireBuilt, useRedis, waitFor } from '../../test-support/index.js';
import { CHROMIUM, GATEWAY_MAIN, isOk, launchChromium, startService, VERBOSE, WEB_ROOT } from './support/browser-harness.js';

const SESSION_SECRET = 'challenge-browser-secret-at-least-32-characters';
const ADMIN_TOKEN = 'challenge-admin-token-0123456789abcdef';
/** The default difficulty, and one ten times harder. */
const DIFFICULTIES = { default: 100_000, harder: 1_000_000 } as const;

interface Stats {
  solves: number;
  lastSolveMs: number;
  lastWorkMs: number;
  workMs: number[];
  solveMs: number[];
}
declare global {
  interface Window {
    readonly __tesseraChallenge?: Stats;
  }
}

describe('the proof-of-work challenge in a browser', function () {
  this.timeout(180_000);

  before(function () {
    requireBuilt(this, [GATEWAY_MAIN]);
    assert.ok(existsSync(`${WEB_ROOT}/index.html`), `${WEB_ROOT}/index.html is missing: run npm run build -w web`);
    assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM} (set CHROMIUM_PATH)`);
  });

  const services: Service[] = [];
  const urls: Record<keyof typeof DIFFICULTIES, string> = { default: '', harder: '' };
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];

  after(async function () {
    this.timeout(20_000);
    await browser?.close();
    await stopAll(services, 5_000);
  });

  const redis = useRedis();

  before(async function () {
    this.timeout(60_000);
    for (const [name, maxNumber] of Object.entries(DIFFICULTIES) as [keyof typeof DIFFICULTIES, number][]) {
      const port = await getFreePort();
      urls[name] = `http://127.0.0.1:${port}`;
      services.push(
        startService(`gateway-${name}`, GATEWAY_MAIN, {
          PORT: String(port),
          HOST: '127.0.0.1',
          REDIS_URL: redis.url,
          SESSION_SECRET,
          ADMIN_TOKENS: `ops:${ADMIN_TOKEN}`,
          CANVAS_ID: `pow-${name}`,
          CANVAS_WIDTH: '64',
          CANVAS_HEIGHT: '64',
          CANVAS_COOLDOWN_MS: '0',
          CHALLENGE_MAX_NUMBER: String(maxNumber),
          SHUTDOWN_DRAIN_MS: '200',
          WEB_ROOT,
        }),
      );
    }
    await waitFor(async () => (await isOk(`${urls.default}/readyz`)) && isOk(`${urls.harder}/readyz`), { timeoutMs: 30_000, message: 'gateways ready' });
    browser = await launchChromium();
  });
  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close();
  });

  async function setChallenge(url: string, settings: ChallengeSettings): Promise<void> {
    const response = await fetch(`${url}${ADMIN_API_BASE}/challenge`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(settings),
    });
    assert.equal(response.status, 200, await response.text());
  }

  async function open(url: string): Promise<{ page: Page; scripts: string[] }> {
    assert.ok(browser);
    const context = await browser.newContext({ viewport: { width: 900, height: 700 }, deviceScaleFactor: 1 });
    contexts.push(context);
    const page = await context.newPage();
    const scripts: string[] = [];
    page.on('request', (request) => {
      if (request.resourceType() === 'script') scripts.push(request.url());
    });
    if (VERBOSE) page.on('console', (message) => console.log(`[player] ${message.text()}`));
    page.on('pageerror', (error) => console.error(`[player] ${error.message}`));
    await page.goto(`${url}/#x=20.5&y=20.5&z=8`);
    return { page, scripts };
  }
  const live = (page: Page) => page.waitForFunction(() => window.__tessera?.connection === 'live' && window.__tessera.loaded, null, { timeout: 60_000 });
  const stats = (page: Page): Promise<Stats> => page.evaluate(() => ({ ...window.__tesseraChallenge! }));

  /** Clicks pixel (x, y) and waits for that placement's answer (a solve included); resolves with whether it was accepted. */
  async function placeAt(page: Page, x: number, y: number): Promise<{ ok: boolean; error?: string }> {
    await page.evaluate(() => ((window as unknown as { __previous: unknown }).__previous = window.__tessera!.lastResult));
    const point = await page.evaluate(([px, py]) => window.__tessera!.clientPointOf(px, py), [x, y] as const);
    await page.mouse.click(point.x, point.y);
    const handle = await page.waitForFunction(
      () => {
        const result = window.__tessera!.lastResult;
        return result !== (window as unknown as { __previous: unknown }).__previous ? result : undefined;
      },
      null,
      { timeout: 90_000 },
    );
    const result = (await handle.jsonValue()) as { ok: boolean; error?: string };
    return result.ok ? { ok: true } : { ok: false, ...(result.error ? { error: result.error } : {}) };
  }

  it('with the challenge off: no widget appears, its code never loads, and the player places', async () => {
    await setChallenge(urls.default, { mode: 'off', at: 'handshake' });
    const { page, scripts } = await open(urls.default);
    await live(page);
    assert.deepEqual(await placeAt(page, 20, 20), { ok: true });
    assert.equal(await page.locator('altcha-widget').count(), 0);
    assert.equal(await page.locator('#challenge').isHidden(), true);
    assert.equal((await stats(page)).solves, 0);
    assert.deepEqual(
      scripts.filter((script) => script.includes('altcha')),
      [],
    );
  });

  it('in the handshake: the widget solves before the player connects, and the player places', async () => {
    await setChallenge(urls.default, { mode: 'everyone', at: 'handshake' });
    const { page, scripts } = await open(urls.default);
    await live(page);
    assert.equal(await page.locator('altcha-widget').count(), 1, 'the widget was mounted');
    assert.ok(
      scripts.some((script) => script.includes('altcha')),
      'the widget code was loaded on demand',
    );
    const solved = await stats(page);
    assert.equal(solved.solves, 1);
    assert.deepEqual(await placeAt(page, 21, 20), { ok: true });
    assert.equal((await stats(page)).solves, 1, 'one solution covers the connection');
    assert.equal(await page.locator('#challenge').isHidden(), true, 'the widget goes once solved');
  });

  it('switched on while the player is connected: asked at the next placement, solved, placed', async () => {
    await setChallenge(urls.default, { mode: 'off', at: 'handshake' });
    const { page } = await open(urls.default);
    await live(page);
    assert.deepEqual(await placeAt(page, 22, 20), { ok: true });
    await setChallenge(urls.default, { mode: 'guests', at: 'placement' });
    assert.deepEqual(await placeAt(page, 23, 20), { ok: true });
    assert.ok((await stats(page)).solves >= 1, 'the placement was paid with a solve');
  });

  it('is switched from the admin page: the form shows the setting, and a connected player is asked next', async () => {
    await setChallenge(urls.default, { mode: 'off', at: 'handshake' });
    const { page: player } = await open(urls.default);
    await live(player);
    const { page: admin } = await open(urls.default.concat('/admin.html#'));
    await admin.fill('#token', ADMIN_TOKEN);
    await admin.click('#sign-in-form button[type=submit]');
    await admin.waitForSelector('#console:not([hidden])');
    assert.equal(await admin.inputValue('#challenge-form select[name=mode]'), 'off');
    await admin.selectOption('#challenge-form select[name=mode]', 'everyone');
    await admin.selectOption('#challenge-form select[name=at]', 'placement');
    await admin.click('#challenge-form button[type=submit]');
    await admin.waitForFunction(() => [...document.querySelectorAll('#audit tr')].some((row) => row.textContent?.includes('canvas.challenge')), null, {
      timeout: 10_000,
    });
    // The audit already held the API's earlier canvas.challenge entry: wait for the setting itself.
    const readChallenge = async () =>
      (
        (await (await fetch(`${urls.default}${ADMIN_API_BASE}/config`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as {
          config: { challenge: ChallengeSettings };
        }
      ).config.challenge;
    await waitFor(async () => (await readChallenge()).mode === 'everyone', { timeoutMs: 10_000, message: 'the form to switch the challenge on' });
    assert.deepEqual(await readChallenge(), { mode: 'everyone', at: 'placement' });
    // The player, connected before the switch, pays its next placement with a solve.
    assert.deepEqual(await placeAt(player, 24, 20), { ok: true });
    assert.ok((await stats(player)).solves >= 1);
    // The form reads back what is in force after a reload of the page (the page keeps its sign-in).
    await admin.reload();
    await admin.waitForSelector('#console:not([hidden])');
    await admin.waitForFunction(() => document.querySelector<HTMLSelectElement>('#challenge-form select[name=at]')?.value === 'placement', null, {
      timeout: 10_000,
    });
  });

  for (const name of Object.keys(DIFFICULTIES) as (keyof typeof DIFFICULTIES)[]) {
    it(`per placement, at the ${name} difficulty (${DIFFICULTIES[name]}): every placement is solved and placed; prints the solve times`, async () => {
      await setChallenge(urls[name], { mode: 'everyone', at: 'placement' });
      const { page } = await open(urls[name]);
      await live(page);
      const rounds = name === 'default' ? 8 : 3;
      for (let i = 0; i < rounds; i++) {
        assert.deepEqual(await placeAt(page, 10 + i, 30), { ok: true });
        // Each accepted placement starts solving the next proof at once (during the cooldown).
        await page.waitForFunction((count) => window.__tesseraChallenge!.solves >= count, i + 2, { timeout: 90_000 });
      }
      const { workMs: work, solveMs: wall } = await stats(page);
      const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
      console.log(
        `      solve at CHALLENGE_MAX_NUMBER=${DIFFICULTIES[name]}: work median ${median(work).toFixed(0)} ms (min ${Math.min(...work).toFixed(0)}, max ${Math.max(...work).toFixed(0)}), ` +
          `wall median ${median(wall).toFixed(0)} ms over ${work.length} solves, ${await page.evaluate(() => navigator.hardwareConcurrency)} cores`,
      );
    });
  }
});

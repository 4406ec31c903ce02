// The proof-of-work challenge in real Chromium against real gateways (from their dist/main.js):
// off, no widget appears and nothing of it loads; on, the ALTCHA widget fetches a challenge, its
// workers solve it, and the player places. Prints what a solve costs at two difficulties.
import assert from 'node:assert/strict';
import type { ChallengeSettings } from '@tessera/protocol';
import type { Page } from 'playwright-core';
import { getFreePort, useRedis, waitFor } from '../../test-support/index.js';
import { ADMIN_TOKEN, callAdminApi, signInAdmin } from './support/admin-cluster.js';
import { clickPixel, gatewayEnv, GATEWAY_MAIN, isOk, startService, useBrowser, waitForLivePlayer } from './support/browser-harness.js';
/** The default difficulty, and one ten times harder. */
const DIFFICULTIES = { default: 100_000, harder: 1_000_000 } as const;
const SCREEN = { width: 900, height: 700 };

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

  const browser = useBrowser([GATEWAY_MAIN], 'index.html');
  const urls: Record<keyof typeof DIFFICULTIES, string> = { default: '', harder: '' };
  const redis = useRedis();

  before(async function () {
    this.timeout(60_000);
    for (const [name, maxNumber] of Object.entries(DIFFICULTIES) as [keyof typeof DIFFICULTIES, number][]) {
      const port = await getFreePort();
      urls[name] = `http://127.0.0.1:${port}`;
      browser.services.push(
        startService(
          `gateway-${name}`,
          GATEWAY_MAIN,
          gatewayEnv(port, redis.url, {
            ADMIN_TOKENS: `ops:${ADMIN_TOKEN}`,
            CANVAS_ID: `pow-${name}`,
            CANVAS_WIDTH: '64',
            CANVAS_HEIGHT: '64',
            CHALLENGE_MAX_NUMBER: String(maxNumber),
          }),
        ),
      );
    }
    await waitFor(async () => (await isOk(`${urls.default}/readyz`)) && isOk(`${urls.harder}/readyz`), { timeoutMs: 30_000, message: 'gateways ready' });
  });

  const setChallenge = (url: string, settings: ChallengeSettings) => callAdminApi(url, ADMIN_TOKEN, 'PUT', '/challenge', settings);

  /** Opens the player page of `url`, noting every script it loads. */
  async function open(url: string): Promise<{ page: Page; scripts: string[] }> {
    const page = await browser.newPage('player', SCREEN);
    const scripts: string[] = [];
    page.on('request', (request) => {
      if (request.resourceType() === 'script') scripts.push(request.url());
    });
    await page.goto(`${url}/#x=20.5&y=20.5&z=8`);
    return { page, scripts };
  }
  const live = (page: Page) => waitForLivePlayer(page, 60_000);
  const stats = (page: Page): Promise<Stats> => page.evaluate(() => ({ ...window.__tesseraChallenge! }));

  /** Clicks pixel (x, y) and waits for that placement's answer (a solve included); resolves with whether it was accepted. */
  async function placeAt(page: Page, x: number, y: number): Promise<{ ok: boolean; error?: string }> {
    await page.evaluate(() => ((window as unknown as { __previous: unknown }).__previous = window.__tessera!.lastResult));
    await clickPixel(page, x, y);
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
    const admin = await browser.newPage('admin', SCREEN);
    await admin.goto(`${urls.default}/admin.html`);
    await signInAdmin(admin);
    assert.equal(await admin.inputValue('#challenge-form select[name=mode]'), 'off');
    await admin.selectOption('#challenge-form select[name=mode]', 'everyone');
    await admin.selectOption('#challenge-form select[name=at]', 'placement');
    await admin.click('#challenge-form button[type=submit]');
    await admin.waitForFunction(() => [...document.querySelectorAll('#audit tr')].some((row) => row.textContent?.includes('canvas.challenge')), null, {
      timeout: 10_000,
    });
    // The audit already held the API's earlier canvas.challenge entry: wait for the setting itself.
    const readChallenge = async () =>
      ((await callAdminApi(urls.default, ADMIN_TOKEN, 'GET', '/config')) as { config: { challenge: ChallengeSettings } }).config.challenge;
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

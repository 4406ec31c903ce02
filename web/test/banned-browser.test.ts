// Banned and paused players keep watching, in real Chromium against a real gateway and writer
// (from their dist/main.js): a ban reaches the page live and after a reload, says why and until
// when in one place, leaves the canvas live and read-only, and ends on its own; a pause shows so.
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { useAdminCluster } from './support/admin-cluster.js';
import { clickPixel, waitForLivePlayer as waitLive } from './support/browser-harness.js';

describe('banned and paused players in a browser', function () {
  this.timeout(90_000);
  const cluster = useAdminCluster({}, { writer: 'required' });

  async function openPlayer(): Promise<Page> {
    const page = await cluster.page('/#x=20.5&y=20.5&z=16', 'player', { width: 900, height: 700 });
    await waitLive(page);
    return page;
  }
  /** The guest's user id, from the session the gateway issued (`v1.<userId>.…`). */
  const userIdOf = (page: Page): Promise<string> => page.evaluate(() => localStorage.getItem('tessera.session')!.split('.')[1]!);
  const bannerText = (page: Page): Promise<string> =>
    page.evaluate(() => (document.getElementById('blocked')?.hidden === false ? document.getElementById('blocked')!.textContent : ''));
  /** How often `needle` is on screen (visible text only). */
  const shown = (page: Page, needle: string): Promise<number> => page.evaluate((text) => document.body.innerText.split(text).length - 1, needle);

  it('a player banned while playing keeps watching live, reads the reason and the expiry once, and still does after a reload', async () => {
    const page = await openPlayer();
    const userId = await userIdOf(page);

    const ban = await cluster.admin('PUT', `/bans/${userId}`, { reason: 'griefing the logo', durationMs: 3_600_000 });
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
    await cluster.place(21, 20, 3); // someone else
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

    await cluster.admin('DELETE', `/bans/${userId}`);
  });

  it('says a ban does not expire when it does not, and lets the player place again once a timed ban ends', async () => {
    const page = await openPlayer();
    const userId = await userIdOf(page);

    await cluster.admin('PUT', `/bans/${userId}`, { reason: '' });
    await page.waitForFunction(
      () => document.getElementById('blocked')?.textContent === 'You are banned from placing on this canvas. You can keep watching. This ban does not expire.',
      null,
      { timeout: 15_000 },
    );

    await cluster.admin('PUT', `/bans/${userId}`, { reason: 'cool off', durationMs: 3_000 });
    await page.waitForFunction(() => (document.getElementById('blocked')?.textContent ?? '').includes('cool off'), null, { timeout: 15_000 });
    // When it ends, the page connects again by itself and the banner goes.
    await page.waitForFunction(() => document.getElementById('blocked')?.hidden === true && window.__tessera?.connection === 'live', null, { timeout: 15_000 });
    await clickPixel(page, 22, 20);
    await page.waitForFunction(() => window.__tessera!.lastResult?.ok === true, null, { timeout: 10_000 });
  });

  it('a paused canvas shows so to every player, and placing is off until it resumes', async () => {
    const page = await openPlayer();
    await cluster.admin('PUT', '/paused', { paused: true });
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
      await cluster.admin('PUT', '/paused', { paused: false });
    }
    await page.waitForFunction(() => document.getElementById('paused')?.hidden === true, null, { timeout: 10_000 });
    await clickPixel(page, 23, 20);
    await page.waitForFunction(() => window.__tessera!.lastResult?.ok === true, null, { timeout: 10_000 });
  });
});

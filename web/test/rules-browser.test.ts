// The rules panel and the phone's confirm step in real Chromium against a real gateway: the
// admin's text shown once (as text, never HTML), again after an edit, reopenable; on a phone a
// tap asks before it places.
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { signInAdmin, useAdminCluster } from './support/admin-cluster.js';
import { waitForLivePlayer, type PageOptions } from './support/browser-harness.js';

describe('the rules panel and the confirm step', function () {
  this.timeout(90_000);
  const cluster = useAdminCluster({}, { writer: 'none' });

  const putRules = (text: string) => cluster.admin('PUT', '/rules', { text });
  /** Opens the player page as a new player would, and waits for the live canvas. */
  async function openPlayer(hash = '', device: PageOptions = {}): Promise<Page> {
    const page = await cluster.page(`/${hash}`, 'player', { ...device, firstVisit: true });
    await waitForLivePlayer(page);
    return page;
  }
  async function reload(page: Page): Promise<void> {
    await page.reload();
    await waitForLivePlayer(page);
  }
  const panelShown = (page: Page) => page.evaluate(() => !document.getElementById('rules-panel')!.hidden);

  it("shows the admin's rules once, as text, again after an edit, and on demand", async () => {
    await putRules('Be kind.\n\n- One account each\n- <img src=x onerror="window.pwned=1"> no bots');
    const page = await openPlayer();
    await page.waitForSelector('#rules-panel:not([hidden])', { timeout: 10_000 });
    const items = await page.$$eval('#rules-panel .rules-text li', (lis) => lis.map((li) => li.textContent));
    assert.deepEqual(items, ['One account each', '<img src=x onerror="window.pwned=1"> no bots']);
    assert.equal(await page.$$eval('#rules-panel img', (images) => images.length), 0, 'the admin text is never markup');
    assert.equal(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned), undefined);
    await page.click('#rules-ok');
    assert.equal(await panelShown(page), false);

    await reload(page);
    await page.waitForFunction(() => document.querySelector('#rules-panel .rules-text p') !== null, null, { timeout: 10_000 });
    assert.equal(await panelShown(page), false, 'remembered');
    await page.click('#help-button');
    assert.equal(await panelShown(page), true, 'reopened');
    await page.click('#rules-ok');

    // The second edit through the admin page, as an admin would.
    const admin = await cluster.page('/admin.html', 'admin');
    await signInAdmin(admin);
    await admin.waitForFunction(() => document.querySelector<HTMLTextAreaElement>('#rules-text')?.value.startsWith('Be kind.'), null, { timeout: 5_000 });
    assert.equal(await admin.textContent('#rules-version'), 'version 1');
    await admin.fill('#rules-text', 'New rules.');
    await admin.click('#rules-form button[type=submit]');
    await admin.waitForFunction(() => document.getElementById('rules-version')?.textContent === 'version 2', null, { timeout: 5_000 });
    await admin.close();
    await reload(page);
    await page.waitForSelector('#rules-panel:not([hidden])', { timeout: 10_000 });
    assert.equal(await page.textContent('#rules-panel .rules-text'), 'New rules.');
  });

  it('asks on a phone before a tap places, and places only on "Place"', async () => {
    const page = await openPlayer('#x=15.5&y=15.5&z=14', { width: 390, height: 844, phone: true });
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
  });
});

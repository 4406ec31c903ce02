// The admin page in real Chromium against a real gateway (and the writer, when built): an admin
// changes a palette colour, and a player's page shows it without a reload. Set
// TESSERA_BROWSER_LOGS=1 to see the services' output and the pages' console.
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { waitFor } from '../../test-support/index.js';
import { signInAdmin, useAdminCluster } from './support/admin-cluster.js';
import { rgb, screenPixel, waitForLivePlayer } from './support/browser-harness.js';

const SCREEN = { width: 1000, height: 800 };

describe('the admin page in a browser', function () {
  this.timeout(90_000);
  const cluster = useAdminCluster();

  /** The colour a player's palette swatch shows (its colour variable) and names (its label), when they agree. */
  function swatchColor(page: Page, index: number): Promise<string> {
    return page.evaluate((i) => {
      const swatch = document.querySelector<HTMLElement>(`#palette [data-index="${i}"]`);
      if (!swatch) return 'missing';
      const shown = getComputedStyle(swatch).getPropertyValue('--swatch-color').trim();
      return (swatch.getAttribute('aria-label') ?? '').includes(shown) ? shown : `disagrees: ${shown} / ${swatch.getAttribute('aria-label')}`;
    }, index);
  }

  it('refuses a wrong token, then recolours palette index 1, which a player sees live: swatch and rendered pixel', async () => {
    const [x, y] = [40, 30];
    await cluster.place(x, y, 1);
    const player = await cluster.page(`/#x=${x + 0.5}&y=${y + 0.5}&z=16`, 'player', SCREEN);
    await waitForLivePlayer(player);
    await player.waitForFunction(([px, py]) => window.__tessera!.replica.colorAt(px, py) === 1, [x, y] as const, { timeout: 5_000 });
    const before = await swatchColor(player, 1);
    assert.match(before, /^#[0-9a-f]{6}$/);
    await waitFor(async () => (await screenPixel(player, x, y)).join() === rgb(before).join(), { message: `the pixel drawn in ${before}` });

    const admin = await cluster.page('/admin.html', 'admin', SCREEN);
    await admin.fill('#token', 'not-the-token-but-long-enough');
    await admin.click('#sign-in-form button[type=submit]');
    await admin.waitForSelector('#notice:not([hidden])');
    assert.match((await admin.textContent('#notice')) ?? '', /not valid/);
    assert.equal(await admin.isVisible('#console'), false);

    await signInAdmin(admin);
    assert.match((await admin.textContent('#who')) ?? '', /ops/);
    const input = admin.getByLabel('Palette index 1', { exact: true });
    assert.equal(await input.inputValue(), before);

    const next = before === '#12ab9c' ? '#9c12ab' : '#12ab9c';
    await input.fill(next);
    await admin.click('#palette-save');
    await admin.waitForFunction((hex) => document.querySelector<HTMLInputElement>('input[data-index="1"]')?.dataset.original === hex, next, {
      timeout: 5_000,
    });
    // The audit log on the page shows who did it.
    await admin.waitForFunction(() => [...document.querySelectorAll('#audit tr')].some((row) => row.textContent?.includes('palette.recolour')), null, {
      timeout: 5_000,
    });
    assert.match((await admin.textContent('#audit tr')) ?? '', /ops.*palette\.recolour/);

    // The player's page, without a reload: its swatch and the pixel of index 1 on screen.
    await waitFor(async () => (await swatchColor(player, 1)) === next, { timeoutMs: 5_000, message: `swatch 1 showing ${next}` });
    await waitFor(async () => (await screenPixel(player, x, y)).join() === rgb(next).join(), {
      timeoutMs: 5_000,
      message: `the pixel redrawn in ${next}`,
    });
    assert.equal(await player.evaluate(([px, py]) => window.__tessera!.replica.colorAt(px, py), [x, y] as const), 1, 'the pixel keeps its index');
  });

  it('bans an address prefix from the page, refuses a bad one, shows the ban, and lifts it', async () => {
    const admin = await cluster.signedInAdmin(SCREEN);
    const form = admin.locator('#address-ban-form');

    await form.getByLabel('Address or prefix').fill('10.0.0.1/24');
    await form.locator('button[type=submit]').click();
    await admin.waitForFunction(() => (document.querySelector('#notice')?.textContent ?? '').includes('Banning 10.0.0.1/24 failed'), null, { timeout: 5_000 });
    assert.equal(await admin.locator('#address-bans tr').count(), 0);

    await form.getByLabel('Address or prefix').fill('2001:db8:7:7::1');
    await form.getByLabel('Reason').fill('bot farm');
    await form.getByLabel('Minutes (empty: forever)').fill('30');
    await form.locator('button[type=submit]').click();
    const row = admin.locator('#address-bans tr', { hasText: '2001:db8:7:7::/64' });
    await row.waitFor({ timeout: 5_000 });
    assert.match((await row.textContent()) ?? '', /bot farm.*ops/);
    await admin.waitForFunction(() => [...document.querySelectorAll('#audit tr')].some((item) => item.textContent?.includes('address.ban')), null, {
      timeout: 5_000,
    });

    await row.getByRole('button', { name: 'Unban' }).click();
    await admin.waitForFunction(() => document.querySelectorAll('#address-bans tr').length === 0, null, { timeout: 5_000 });
    await admin.waitForFunction(() => [...document.querySelectorAll('#audit tr')].some((item) => item.textContent?.includes('address.unban')), null, {
      timeout: 5_000,
    });
  });
});

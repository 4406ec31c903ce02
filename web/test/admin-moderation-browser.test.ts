// Moderation from the admin canvas in real Chromium against a real gateway and writer: click a
// pixel to see its owner and ban them (checked through the ban list), ban their address, revert
// a user with the preview count shown before the confirm (checked in Redis), and the top placers.
// These need the lookup endpoints of issue 11 (branch h/moderation-api); without them they skip.
import assert from 'node:assert/strict';
import type { AdminUserInfo, TopPlacers } from '@tessera/protocol';
import type { Page } from 'playwright-core';
import { waitFor } from '../../test-support/index.js';
import { ADMIN_TOKEN, useAdminCluster, zoomAdminCanvasTo } from './support/admin-cluster.js';

describe('moderating from the admin canvas', function () {
  this.timeout(90_000);
  const cluster = useAdminCluster({ CANVAS_WIDTH: '300', CANVAS_HEIGHT: '200' });

  async function admin(path = ''): Promise<unknown> {
    const response = await fetch(`${cluster.url}/api/admin${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.equal(response.status, 200, `GET ${path}`);
    return response.json();
  }

  async function pick(page: Page, x: number, y: number): Promise<void> {
    await zoomAdminCanvasTo(page, x, y, 8);
    const at = await page.evaluate(([px, py]) => window.__tesseraAdmin!.clientPointOf(px, py), [x, y] as const);
    await page.mouse.click(at.x, at.y);
    await page.waitForSelector('#moderation-panel #user-view', { timeout: 10_000 });
  }

  it('clicks a pixel to see its owner and their placements, and bans them from the panel', async () => {
    const griefer = await cluster.place(120, 60, 9);
    await cluster.place(121, 60, 9, griefer.token);
    await cluster.place(122, 61, 3); // someone else
    // The writer counts a user's placements after it broadcast their delta: the panel reads them once.
    await waitFor(async () => ((await admin(`/users/${encodeURIComponent(griefer.userId)}`)) as AdminUserInfo).placements === 2, {
      timeoutMs: 15_000,
      intervalMs: 200,
      message: "the writer to count the griefer's 2 placements",
    });

    const page = await cluster.signedInAdmin();
    await page.waitForFunction(() => window.__tesseraAdmin!.colorAt(121, 60) === 9, null, { timeout: 10_000 });
    await pick(page, 121, 60);
    assert.equal(await page.getAttribute('#user-view', 'data-user-id'), griefer.userId, 'the panel shows the owner');
    assert.match((await page.textContent('#moderation-title')) ?? '', /Pixel \(121, 60\)/);
    assert.match((await page.textContent('#user-view')) ?? '', /Placements\s*2/);
    assert.equal(await page.locator('#user-view .recent-list li').count(), 2, 'both of their placements are listed');
    assert.ok((await page.locator('#user-view svg.placements-plot rect').count()) >= 1, 'the plot has a bar');

    const form = page.locator('#user-ban-form');
    await form.getByLabel('Reason').fill('griefing the logo');
    await form.getByRole('button', { name: 'Ban user' }).click();
    await page.waitForFunction(() => (document.querySelector('#user-view')?.textContent ?? '').includes('Banned forever by ops: griefing the logo'), null, {
      timeout: 10_000,
    });
    const { bans } = (await admin('/bans')) as { bans: { userId: string; reason: string; by: string }[] };
    assert.deepEqual(
      bans.map(({ userId, reason, by }) => ({ userId, reason, by })),
      [{ userId: griefer.userId, reason: 'griefing the logo', by: 'ops' }],
    );
    // The bans card shows it too, and the placements of the banned user are refused from now on.
    await page.locator('#bans tr', { hasText: griefer.userId }).waitFor({ timeout: 5_000 });
    await assert.rejects(cluster.place(1, 1, 1, griefer.token));
  });

  it('reverts a user since a time: the preview count first, then the confirm restores the colours before them and leaves later pixels of others', async () => {
    // (140, 80) was 2 before the vandal; (141, 80) was background; (142, 80) the vandal's, then someone else's.
    await cluster.place(140, 80, 2);
    const vandal = await cluster.place(140, 80, 11);
    await cluster.place(141, 80, 11, vandal.token);
    await cluster.place(142, 80, 11, vandal.token);
    await cluster.place(142, 80, 5);

    const page = await cluster.signedInAdmin();
    await pick(page, 141, 80);
    assert.equal(await page.getAttribute('#user-view', 'data-user-id'), vandal.userId);
    // A time in the future is refused with the field named, and reverts nothing.
    const since = page.locator('#revert-form input[name=since]');
    const typed = await since.inputValue();
    await since.fill('2999-01-01T00:00:00');
    await page.locator('#revert-form').getByRole('button', { name: 'Preview' }).click();
    await page.waitForFunction(
      () => (document.querySelector('#revert-outcome')?.textContent ?? '').includes('The preview failed: INVALID_PAYLOAD (since)'),
      null,
      {
        timeout: 10_000,
      },
    );
    assert.equal(await page.locator('#revert-confirm').count(), 0, 'no confirm without a preview');
    await since.fill(typed);
    await page.locator('#revert-form').getByRole('button', { name: 'Preview' }).click();
    const preview = page.locator('#revert-preview');
    await preview.waitFor({ timeout: 10_000 });
    assert.equal(await preview.getAttribute('data-pixels'), '2');
    assert.match((await preview.textContent()) ?? '', /2 pixel\(s\) would go back.*1 placed over by others/);
    assert.equal(await cluster.redisColor(140, 80), 11, 'nothing changes on a preview');

    await page.locator('#revert-confirm').click();
    await page.waitForFunction(() => /Reverting .*: done/.test(document.querySelector('#notice')?.textContent ?? ''), null, { timeout: 10_000 });
    assert.equal(await cluster.redisColor(140, 80), 2, 'back to the colour before the vandal');
    assert.equal(await cluster.redisColor(141, 80), 0, 'back to the background');
    assert.equal(await cluster.redisColor(142, 80), 5, 'a later pixel of someone else is left alone');
    await page.waitForFunction(() => window.__tesseraAdmin!.colorAt(140, 80) === 2, null, { timeout: 10_000 });
  });

  it('picks the pixel under the keyboard cursor with Enter', async () => {
    const placed = await cluster.place(160, 100, 12);
    const page = await cluster.signedInAdmin();
    await zoomAdminCanvasTo(page, 160, 100, 8);
    await page.focus('#admin-board');
    const centre = await page.evaluate(() => ({ x: Math.floor(window.__tesseraAdmin!.view.x), y: Math.floor(window.__tesseraAdmin!.view.y) }));
    // Arrow keys move the view one pixel at a time at this zoom: walk the cursor onto (160, 100).
    for (let dx = centre.x; dx < 160; dx++) await page.keyboard.press('ArrowRight');
    for (let dx = centre.x; dx > 160; dx--) await page.keyboard.press('ArrowLeft');
    for (let dy = centre.y; dy < 100; dy++) await page.keyboard.press('ArrowDown');
    for (let dy = centre.y; dy > 100; dy--) await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('#moderation-title')?.textContent === 'Pixel (160, 100)', null, { timeout: 10_000 });
    await page.waitForSelector('#user-view', { timeout: 10_000 });
    assert.equal(await page.getAttribute('#user-view', 'data-user-id'), placed.userId);
  });

  it('lists the top placers and opens one in the panel', async () => {
    const busy = await cluster.place(150, 90, 8);
    for (const x of [151, 152, 153, 154]) await cluster.place(x, 90, 8, busy.token);
    const page = await cluster.signedInAdmin();
    await page.selectOption('#top-period', '0');
    // The writer counts placements per delta window: once it has, a refresh shows them.
    await waitFor(async () => ((await admin('/top-placers?limit=1')) as TopPlacers).users[0]?.placements === 5, {
      timeoutMs: 15_000,
      intervalMs: 500,
      message: "the writer to count the busy player's 5 placements",
    });
    await page.click('#top-refresh');
    await page.waitForFunction(() => document.querySelector('#top-placers tr:first-child td:nth-child(3)')?.textContent === '5', null, { timeout: 10_000 });
    await page
      .locator('#top-placers tr')
      .first()
      .getByRole('button', { name: /Inspect/ })
      .click();
    await page.waitForSelector('#user-view', { timeout: 10_000 });
    assert.equal(await page.getAttribute('#user-view', 'data-user-id'), busy.userId);
  });

  it("bans an address from the user's sessions after a confirm, and lifts it (last: it bans this test's own address)", async () => {
    const player = await cluster.place(130, 70, 6);
    const page = await cluster.signedInAdmin();
    await pick(page, 130, 70);
    const session = page.locator('#user-sessions tr').first();
    const address = ((await session.locator('td').first().textContent()) ?? '').trim();
    assert.ok(address.length > 0, 'a session with its address is listed');
    page.once('dialog', (dialog) => void dialog.accept());
    await session.getByRole('button', { name: 'Ban address' }).click();
    await page.locator('#address-bans tr', { hasText: address }).waitFor({ timeout: 10_000 });
    const { bans } = (await admin('/address-bans')) as { bans: { prefix: string }[] };
    assert.ok(
      bans.some((ban) => ban.prefix.startsWith(address.split('/')[0]!)),
      `the address ${address} is banned`,
    );
    await assert.rejects(cluster.place(131, 70, 6, player.token), 'a player from the banned address is refused');
    // Lift it: every test here places from this address.
    await page.locator('#address-bans tr', { hasText: address }).getByRole('button', { name: 'Unban' }).click();
    await page.waitForFunction(() => document.querySelectorAll('#address-bans tr').length === 0, null, { timeout: 10_000 });
  });
});

// "Who placed this pixel?" on the player page, in real Chromium against a real gateway and writer:
// Shift-click, inspect mode, a long press and the I key look a pixel up and never place it; a
// plain click still places. The owner shown comes from the gateway's lookup
// (GET /api/canvas/pixels/{x}/{y}).
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { touchHold, useAdminCluster } from './support/admin-cluster.js';
import type { Device } from './support/browser-harness.js';

describe('looking up who placed a pixel on the player page', function () {
  this.timeout(90_000);
  const cluster = useAdminCluster({ CANVAS_WIDTH: '300', CANVAS_HEIGHT: '200' });

  async function openPlayer(x: number, y: number, device?: Device): Promise<Page> {
    const page = await cluster.page(`/#x=${x + 0.5}&y=${y + 0.5}&z=16`, 'player', device);
    await page.waitForFunction(() => window.__tessera?.connection === 'live' && window.__tessera.loaded, null, { timeout: 15_000 });
    return page;
  }
  const point = (page: Page, x: number, y: number) => page.evaluate(([px, py]) => window.__tessera!.clientPointOf(px, py), [x, y] as const);
  const placeCount = (page: Page) => page.evaluate(() => window.__tessera!.placeCount);
  async function cardFor(page: Page, x: number, y: number): Promise<string> {
    await page.waitForFunction(
      ([px, py]) => {
        const card = document.getElementById('pixel-info');
        return card && !card.hidden && card.dataset.x === String(px) && card.dataset.y === String(py) && card.dataset.state !== 'loading';
      },
      [x, y] as const,
      { timeout: 10_000 },
    );
    return (await page.textContent('#pixel-info')) ?? '';
  }

  it('Shift-click looks a pixel up without placing it; a plain click still places', async () => {
    const page = await openPlayer(50, 40);
    const at = await point(page, 50, 40);
    await page.keyboard.down('Shift');
    await page.mouse.click(at.x, at.y);
    await page.keyboard.up('Shift');
    const text = await cardFor(page, 50, 40);
    assert.match(text, /Pixel \(50, 40\)/);
    assert.equal(await placeCount(page), 0, 'a Shift-click does not place');

    await page.mouse.click(at.x, at.y);
    await page.waitForFunction(() => window.__tessera!.lastResult?.ok === true, null, { timeout: 6_000 });
    assert.equal(await placeCount(page), 1, 'a plain click places');
  });

  it('inspect mode: every tap looks up, none places, until it is turned off; Escape closes the card', async () => {
    const page = await openPlayer(60, 40);
    const toggle = page.getByRole('button', { name: /Inspect/ });
    await toggle.click();
    assert.equal(await toggle.getAttribute('aria-pressed'), 'true');
    for (const x of [60, 61]) {
      const at = await point(page, x, 40);
      await page.mouse.click(at.x, at.y);
      assert.match(await cardFor(page, x, 40), new RegExp(`Pixel \\(${x}, 40\\)`));
    }
    assert.equal(await placeCount(page), 0);
    await page.keyboard.press('Escape');
    await page.waitForSelector('#pixel-info', { state: 'hidden' });
    await toggle.click();
    assert.equal(await toggle.getAttribute('aria-pressed'), 'false');
    const at = await point(page, 62, 40);
    await page.mouse.click(at.x, at.y);
    await page.waitForFunction(() => window.__tessera!.placeCount === 1, null, { timeout: 6_000 });
  });

  it('the I key looks up the keyboard cursor', async () => {
    const page = await openPlayer(70, 30);
    await page.focus('#board');
    await page.keyboard.press('ArrowRight'); // shows the cursor, one pixel right of the centre
    const cursor = await page.evaluate(() => ({ x: Math.floor(window.__tessera!.view.x), y: Math.floor(window.__tessera!.view.y) }));
    await page.keyboard.press('i');
    assert.match(await cardFor(page, cursor.x, cursor.y), new RegExp(`Pixel \\(${cursor.x}, ${cursor.y}\\)`));
    assert.equal(await placeCount(page), 0);
  });

  it('on a phone, a long press looks up and does not place; a short tap places', async () => {
    const page = await openPlayer(80, 30, { width: 390, height: 740, phone: true });
    const at = await point(page, 80, 30);
    await touchHold(page, at, 900);
    assert.match(await cardFor(page, 80, 30), /Pixel \(80, 30\)/);
    assert.equal(await placeCount(page), 0, 'the finger lifting after a long press does not place');
    const card = await page.locator('#pixel-info').boundingBox();
    assert.ok(card && card.x >= 0 && card.x + card.width <= 390, 'the card fits the phone screen');

    // A short tap asks first on a phone (the confirm step, on by default there); Place places.
    await page.touchscreen.tap(at.x, at.y);
    await page.waitForSelector('#confirm-bar:not([hidden])', { timeout: 5_000 });
    await page.tap('#confirm-place');
    await page.waitForFunction(() => window.__tessera!.placeCount === 1, null, { timeout: 6_000 });
  });

  it('shows who placed the pixel and when, and nobody for a pixel never placed', async function () {
    await cluster.place(90, 20, 4);
    const page = await openPlayer(90, 20);
    for (const [x, expected] of [
      [90, /Placed by \S+.*(just now|seconds ago)/],
      [91, /Nobody has placed this pixel/],
    ] as const) {
      const at = await point(page, x, 20);
      await page.keyboard.down('Shift');
      await page.mouse.click(at.x, at.y);
      await page.keyboard.up('Shift');
      assert.match(await cardFor(page, x, 20), expected);
    }
  });

  it('disappears live when an admin turns owner lookup off on the admin page, and comes back when it is on again', async function () {
    const page = await openPlayer(95, 25);
    const toggle = page.locator('#inspect-toggle');
    assert.equal(await toggle.isVisible(), true);
    const admin = await cluster.signedInAdmin();
    const form = admin.locator('#owner-lookup-form');
    try {
      await form.locator('select').selectOption('off');
      await form.getByRole('button', { name: 'Set' }).click();
      await page.waitForSelector('#inspect-toggle', { state: 'hidden', timeout: 10_000 });
      assert.equal((await fetch(`${cluster.url}/api/canvas/pixels/95/25`)).status, 403);
    } finally {
      await form.locator('select').selectOption('names');
      await form.getByRole('button', { name: 'Set' }).click();
    }
    await page.waitForSelector('#inspect-toggle', { state: 'visible', timeout: 10_000 });
  });
});

describe('looking up pixels faster than the gateway allows', function () {
  this.timeout(90_000);
  const cluster = useAdminCluster({ CANVAS_WIDTH: '300', CANVAS_HEIGHT: '200', PIXEL_LOOKUP_PER_MIN: '2' });

  it('says how long to wait instead of failing silently, and still places on a plain click', async function () {
    const page = await cluster.page('/#x=10.5&y=10.5&z=16', 'player');
    await page.waitForFunction(() => window.__tessera?.connection === 'live' && window.__tessera.loaded, null, { timeout: 15_000 });
    assert.equal(await page.evaluate(() => fetch('/api/canvas/pixels/0/0').then((response) => response.status)), 200);
    await page.getByRole('button', { name: /Inspect/ }).click();
    // The probe above was one lookup; two more taps exceed two a minute.
    for (const x of [10, 11]) {
      const at = await page.evaluate(([px, py]) => window.__tessera!.clientPointOf(px, py), [x, 10] as const);
      await page.mouse.click(at.x, at.y);
      await page.waitForFunction(
        (px) => document.getElementById('pixel-info')?.dataset.x === String(px) && document.getElementById('pixel-info')?.dataset.state !== 'loading',
        x,
        { timeout: 10_000 },
      );
    }
    assert.equal(await page.getAttribute('#pixel-info', 'data-state'), 'error');
    assert.match((await page.textContent('#pixel-info')) ?? '', /Too many lookups\. Try again in \d+ s\./);
    assert.equal(await page.evaluate(() => window.__tessera!.placeCount), 0);
    // A tap beside the board asks nothing: the card still shows (11, 10).
    const beside = await page.evaluate(() => window.__tessera!.clientPointOf(-3, 10));
    await page.mouse.click(beside.x, beside.y);
    assert.equal(await page.getAttribute('#pixel-info', 'data-x'), '11');
    // Inspect mode off: a plain click places, whatever the lookup limit.
    await page.getByRole('button', { name: /Inspect/ }).click();
    const at = await page.evaluate(() => window.__tessera!.clientPointOf(12, 10));
    await page.mouse.click(at.x, at.y);
    await page.waitForFunction(() => window.__tessera!.lastResult?.ok === true, null, { timeout: 6_000 });
  });
});

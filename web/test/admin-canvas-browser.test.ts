// The live canvas on the admin page in real Chromium against a real gateway and writer: an admin
// selects a rectangle with the mouse and erases it (checked in Redis), and the typed rectangle
// and the drawn one stay the same thing. TESSERA_BROWSER_LOGS=1 shows the services and pages.
import assert from 'node:assert/strict';
import { waitFor } from '../../test-support/index.js';
import { touchDrag, useAdminCluster, zoomAdminCanvasTo } from './support/admin-cluster.js';

describe('the live canvas on the admin page', function () {
  this.timeout(90_000);
  const cluster = useAdminCluster({ CANVAS_WIDTH: '300', CANVAS_HEIGHT: '200' });

  it('selects a rectangle with a drag in select mode, fills the form, and erases exactly it', async () => {
    // A 3 × 2 block to erase and one pixel just outside it that must survive.
    const block = [
      [100, 50],
      [101, 50],
      [102, 50],
      [100, 51],
      [101, 51],
      [102, 51],
    ] as const;
    for (const [x, y] of block) await cluster.place(x, y, 5);
    await cluster.place(103, 51, 7);

    const admin = await cluster.signedInAdmin();
    await admin.waitForFunction(() => window.__tesseraAdmin!.colorAt(103, 51) === 7, null, { timeout: 10_000 });
    await zoomAdminCanvasTo(admin, 101, 50, 8);

    await admin.getByRole('button', { name: 'Select area' }).click();
    assert.equal(await admin.getAttribute('#select-mode', 'aria-pressed'), 'true');
    const viewBefore = await admin.evaluate(() => window.__tesseraAdmin!.view);
    const from = await admin.evaluate(() => window.__tesseraAdmin!.clientPointOf(100, 50));
    const to = await admin.evaluate(() => window.__tesseraAdmin!.clientPointOf(102, 51));
    await admin.mouse.move(from.x, from.y);
    await admin.mouse.down();
    await admin.mouse.move(to.x, to.y, { steps: 6 });
    await admin.mouse.up();
    assert.deepEqual(await admin.evaluate(() => window.__tesseraAdmin!.view), viewBefore, 'a selecting drag does not pan');
    assert.deepEqual(await admin.evaluate(() => window.__tesseraAdmin!.selection), { x: 100, y: 50, width: 3, height: 2 });

    const form = admin.locator('#erase-form');
    const typed = await Promise.all(['x', 'y', 'width', 'height'].map((name) => form.locator(`input[name=${name}]`).inputValue()));
    assert.deepEqual(typed, ['100', '50', '3', '2'], 'the drawn rectangle is in the form');
    assert.equal(await admin.isVisible('#selection-box'), true);
    assert.match((await admin.textContent('#selection-summary')) ?? '', /3 × 2 at \(100, 50\)/);

    await form.locator('button[type=submit]').click();
    await admin.waitForFunction(() => (document.querySelector('#notice')?.textContent ?? '').includes('Erasing 3 × 2: 6 of 6 pixels changed'), null, {
      timeout: 10_000,
    });
    for (const [x, y] of block) assert.equal(await cluster.redisColor(x, y), 0, `(${x}, ${y}) erased in Redis`);
    assert.equal(await cluster.redisColor(103, 51), 7, 'the pixel beside the rectangle is left alone');
    // The admin's own canvas shows it live.
    await admin.waitForFunction(() => window.__tesseraAdmin!.colorAt(101, 51) === 0, null, { timeout: 10_000 });
  });

  it('selects with Shift-drag in pan mode, pans on a plain drag, and clamps a drag past the edge to the board', async () => {
    const admin = await cluster.signedInAdmin();
    await zoomAdminCanvasTo(admin, 297, 5, 8);
    assert.equal(await admin.getAttribute('#select-mode', 'aria-pressed'), 'false');

    // Shift-drag from (296, 3) to well past the right and top edges.
    const from = await admin.evaluate(() => window.__tesseraAdmin!.clientPointOf(296, 3));
    await admin.keyboard.down('Shift');
    await admin.mouse.move(from.x, from.y);
    await admin.mouse.down();
    await admin.mouse.move(from.x + 200, from.y - 200, { steps: 6 });
    await admin.mouse.up();
    await admin.keyboard.up('Shift');
    assert.deepEqual(await admin.evaluate(() => window.__tesseraAdmin!.selection), { x: 296, y: 0, width: 4, height: 4 });

    // A plain drag pans and leaves the selection as it was.
    const before = await admin.evaluate(() => window.__tesseraAdmin!.view);
    await admin.mouse.move(from.x, from.y + 40);
    await admin.mouse.down();
    await admin.mouse.move(from.x - 80, from.y + 40, { steps: 6 });
    await admin.mouse.up();
    const after = await admin.evaluate(() => window.__tesseraAdmin!.view);
    assert.ok(after.x > before.x, 'the view panned');
    assert.deepEqual(await admin.evaluate(() => window.__tesseraAdmin!.selection), { x: 296, y: 0, width: 4, height: 4 });

    // Escape on the canvas drops the selection; the form keeps the numbers it was given.
    await admin.focus('#admin-board');
    await admin.keyboard.press('Escape');
    assert.equal(await admin.evaluate(() => window.__tesseraAdmin!.selection), undefined);
    assert.equal(await admin.isVisible('#selection-box'), false);
    assert.equal(await admin.textContent('#selection-summary'), 'Nothing selected.');
    assert.equal(await admin.locator('#erase-form input[name=x]').inputValue(), '296');
  });

  it('shows a typed rectangle on the canvas, and none while the typed one is incomplete or invalid', async () => {
    const admin = await cluster.signedInAdmin();
    const form = admin.locator('#erase-form');
    await form.locator('input[name=x]').fill('10');
    await form.locator('input[name=y]').fill('20');
    await form.locator('input[name=width]').fill('30');
    assert.equal(await admin.evaluate(() => window.__tesseraAdmin!.selection), undefined, 'no height yet');
    await form.locator('input[name=height]').fill('40');
    assert.deepEqual(await admin.evaluate(() => window.__tesseraAdmin!.selection), { x: 10, y: 20, width: 30, height: 40 });
    assert.equal(await admin.getAttribute('#selection-box', 'data-rect'), '10,20,30,40');
    await form.locator('input[name=width]').fill('-3');
    assert.equal(await admin.evaluate(() => window.__tesseraAdmin!.selection), undefined, 'a negative width shows nothing');
    assert.equal(await admin.isVisible('#selection-box'), false);
    // The server is still the judge of a rectangle off the canvas: the form says so and nothing changes.
    await form.locator('input[name=width]').fill('30');
    await form.locator('input[name=x]').fill('5000');
    await form.locator('button[type=submit]').click();
    await waitFor(
      async () => ((await admin.textContent('#notice')) ?? '').includes('Erasing 30 × 40 failed: INVALID_PAYLOAD (x): must be below the canvas width 300'),
      {
        timeoutMs: 10_000,
        message: 'the off-canvas erase refused, naming x',
      },
    );
    assert.equal(await admin.locator('#erase-form input[name=x]').inputValue(), '5000', 'the form keeps what was typed');
  });

  it('fits a phone screen: the canvas and the panel stack, and a one-finger drag in select mode selects', async () => {
    const admin = await cluster.signedInAdmin({ width: 390, height: 800, phone: true });
    const board = await admin.locator('#admin-board').boundingBox();
    const panel = await admin.locator('#moderation-panel').boundingBox();
    assert.ok(board && panel);
    assert.ok(board.width <= 390 && panel.y >= board.y + board.height - 1, 'the panel sits under the canvas');
    const overflow = await admin.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `no sideways scrolling (${overflow} px)`);

    await admin.locator('#admin-board').scrollIntoViewIfNeeded();
    await zoomAdminCanvasTo(admin, 21, 21, 8);
    await admin.getByRole('button', { name: 'Select area' }).tap();
    const from = await admin.evaluate(() => window.__tesseraAdmin!.clientPointOf(20, 20));
    const to = await admin.evaluate(() => window.__tesseraAdmin!.clientPointOf(23, 22));
    const viewBefore = await admin.evaluate(() => window.__tesseraAdmin!.view);
    await touchDrag(admin, from, to);
    await admin.waitForFunction(() => window.__tesseraAdmin!.selection?.width === 4, null, { timeout: 5_000 });
    assert.deepEqual(await admin.evaluate(() => window.__tesseraAdmin!.selection), { x: 20, y: 20, width: 4, height: 3 });
    assert.deepEqual(await admin.evaluate(() => window.__tesseraAdmin!.view), viewBefore, 'the finger selected, it did not pan');
  });
});

describe('restoring a selected rectangle from a snapshot on the admin page', function () {
  this.timeout(90_000);
  const cluster = useAdminCluster({ CANVAS_WIDTH: '300', CANVAS_HEIGHT: '200' }, { snapshotter: true });

  it('takes a snapshot, and after vandalism restores the rectangle drawn on the canvas from it, leaving the rest', async () => {
    await cluster.place(50, 50, 3);
    const admin = await cluster.signedInAdmin();
    // The snapshotter's schedule takes one snapshot as it starts, which the list may or may not show
    // yet: wait for the list to grow, and restore from its newest entry, the one taken here.
    const listed = await admin.evaluate(() => document.querySelectorAll('#snapshots tr button').length);
    await admin.click('#snapshot-take');
    await admin.waitForFunction((before) => document.querySelectorAll('#snapshots tr button').length > before, listed, { timeout: 20_000 });
    // Vandalism inside the rectangle and outside it.
    for (const [x, y] of [
      [50, 50],
      [51, 51],
      [60, 60],
    ] as const)
      await cluster.place(x, y, 7);
    await admin.waitForFunction(() => window.__tesseraAdmin!.colorAt(60, 60) === 7, null, { timeout: 10_000 });

    await zoomAdminCanvasTo(admin, 50, 50, 8);
    await admin.getByRole('button', { name: 'Select area' }).click();
    const from = await admin.evaluate(() => window.__tesseraAdmin!.clientPointOf(48, 48));
    const to = await admin.evaluate(() => window.__tesseraAdmin!.clientPointOf(53, 53));
    await admin.mouse.move(from.x, from.y);
    await admin.mouse.down();
    await admin.mouse.move(to.x, to.y, { steps: 6 });
    await admin.mouse.up();
    assert.deepEqual(await admin.evaluate(() => window.__tesseraAdmin!.selection), { x: 48, y: 48, width: 6, height: 6 });

    const source = admin.locator('#rollback-source');
    await source.selectOption({ index: 1 }); // the newest snapshot: the one just taken
    await admin.locator('#erase-form button[type=submit]').click();
    await admin.waitForFunction(() => /Restoring 6 × 6 from .*: 2 of 36 pixels changed/.test(document.querySelector('#notice')?.textContent ?? ''), null, {
      timeout: 15_000,
    });
    assert.equal(await cluster.redisColor(50, 50), 3, 'back to the snapshot colour');
    assert.equal(await cluster.redisColor(51, 51), 0, 'back to the background');
    assert.equal(await cluster.redisColor(60, 60), 7, 'outside the rectangle: untouched');
    await admin.waitForFunction(() => window.__tesseraAdmin!.colorAt(50, 50) === 3, null, { timeout: 10_000 });
  });
});

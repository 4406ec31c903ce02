// Templates in real Chromium against a real gateway: a link reproduces the same overlay (and the
// same differing pixels) in a second page, placements shrink the difference as deltas land, an
// official template pinned by the admin appears for a player, and hostile images get a message.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ADMIN_API_BASE } from '@tessera/protocol';
import { encode } from 'fast-png';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { stopAll, type Service } from '../../scripts/lib/processes.mjs';
import { getFreePort, requireBuilt, useRedis, waitFor } from '../../test-support/index.js';
import { CHROMIUM, GATEWAY_MAIN, isOk, launchChromium, startService, VERBOSE, WEB_ROOT, WRITER_MAIN } from './support/browser-harness.js';

const SESSION_SECRET = 'templates-browser-secret-at-least-32-characters';
const ADMIN_TOKEN = 'templates-admin-token-0123456789abcdef';

interface TemplatesHook {
  readonly active: { url?: string; official?: string; x: number; y: number; scale: number; width: number; height: number } | undefined;
  readonly differing: number;
  differingPixels(): string[];
  readonly message: string;
  readonly officials: readonly string[];
}
const hook = (page: Page) =>
  page.evaluate(() => {
    const templates = (window as unknown as { __tesseraTemplates?: TemplatesHook }).__tesseraTemplates;
    return templates
      ? {
          active: templates.active,
          differing: templates.differing,
          pixels: templates.differingPixels(),
          message: templates.message,
          officials: templates.officials,
        }
      : undefined;
  });

/** 4×4 of #ff4500 (palette index 3), near-misses of it in one row, the top-left corner transparent. */
function artPng(): Uint8Array {
  const data = new Uint8Array(4 * 4 * 4);
  for (let i = 0; i < 16; i++) data.set(i < 4 ? [250, 70, 5, 255] : [255, 69, 0, 255], i * 4);
  data.set([0, 0, 0, 0], 0);
  return encode({ width: 4, height: 4, data, channels: 4 });
}
/** Tiny on disk, 20000×20000 once decoded (1.6 GB of RGBA): must be refused before decoding. */
function bombPng(): Uint8Array {
  return encode({ width: 20_000, height: 20_000, data: new Uint8Array(Math.ceil(20_000 / 8) * 20_000), channels: 1, depth: 1 });
}

describe('templates in a browser', function () {
  this.timeout(120_000);

  before(function () {
    requireBuilt(this, [GATEWAY_MAIN, WRITER_MAIN]);
    assert.ok(existsSync(`${WEB_ROOT}/index.html`), `${WEB_ROOT}/index.html is missing: run npm run build -w web`);
    assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM} (set CHROMIUM_PATH)`);
  });

  const services: Service[] = [];
  let url = '';
  let images = '';
  let imageServer: Server | undefined;
  let browser: Browser | undefined;

  after(async function () {
    this.timeout(20_000);
    await browser?.close();
    await stopAll(services, 5_000);
    await new Promise((resolve) => (imageServer ? imageServer.close(resolve) : resolve(undefined)));
  });

  const redis = useRedis();

  before(async function () {
    this.timeout(60_000);
    const art = artPng();
    const bomb = bombPng();
    // Another origin, as an image host would be: CORS allowed, except /no-cors.
    imageServer = createServer((request, response) => {
      const cors = request.url === '/no-cors.png' ? {} : { 'access-control-allow-origin': '*' };
      if (request.url === '/art.png' || request.url === '/no-cors.png') response.writeHead(200, { 'content-type': 'image/png', ...cors }).end(art);
      else if (request.url === '/bomb.png') response.writeHead(200, { 'content-type': 'image/png', ...cors }).end(bomb);
      else if (request.url === '/page.html') response.writeHead(200, { 'content-type': 'text/html', ...cors }).end('<h1>not an image</h1>');
      else if (request.url === '/huge.png') {
        // Lies about nothing but never ends: the client must stop at its byte cap.
        response.writeHead(200, { 'content-type': 'image/png', ...cors });
        const block = Buffer.alloc(1024 * 1024);
        let sent = 0;
        const pump = () => {
          while (sent < 64 && response.write(block)) sent++;
          if (sent < 64) response.once('drain', pump);
          else response.end();
        };
        pump();
      } else response.writeHead(404, cors).end();
    });
    await new Promise<void>((resolve) => imageServer!.listen(0, '127.0.0.1', resolve));
    images = `http://localhost:${(imageServer.address() as AddressInfo).port}`;

    const port = await getFreePort();
    url = `http://127.0.0.1:${port}`;
    const env = { REDIS_URL: redis.url, SESSION_SECRET, SHUTDOWN_DRAIN_MS: '200' };
    services.push(
      startService('gateway', GATEWAY_MAIN, {
        ...env,
        PORT: String(port),
        HOST: '127.0.0.1',
        ADMIN_TOKENS: `ops:${ADMIN_TOKEN}`,
        CANVAS_COOLDOWN_MS: '0',
        WEB_ROOT,
      }),
    );
    await waitFor(() => isOk(`${url}/readyz`), { timeoutMs: 30_000, message: 'gateway ready' });
    services.push(startService('writer', WRITER_MAIN, { ...env, METRICS_PORT: '0' }));
    browser = await launchChromium();
  });

  async function openPlayer(context: BrowserContext, hash: string): Promise<Page> {
    const page = await context.newPage();
    if (VERBOSE) page.on('console', (message) => console.log(`[player] ${message.text()}`));
    page.on('pageerror', (error) => console.error(`[player] ${error.message}`));
    await page.goto(`${url}/${hash}`);
    await page.waitForFunction(() => window.__tessera?.connection === 'live' && window.__tessera.loaded, null, { timeout: 15_000 });
    return page;
  }
  const waitForDiffering = (page: Page, count: number) =>
    page.waitForFunction((n) => (window as unknown as { __tesseraTemplates?: TemplatesHook }).__tesseraTemplates?.differing === n, count, { timeout: 10_000 });

  it('reproduces a template link in a second page: same overlay, same differing pixels, updated as pixels land', async () => {
    assert.ok(browser);
    const context = await browser.newContext({ viewport: { width: 900, height: 700 } });
    try {
      const link = `#x=12.5&y=12.5&z=20&template=${encodeURIComponent(`${images}/art.png`)}&tx=10&ty=10&ts=1`;
      const first = await openPlayer(context, link);
      await waitForDiffering(first, 15); // 16 pixels, one transparent; near-misses snap to #ff4500 too
      const a = await hook(first);
      assert.deepEqual(a?.active, { url: `${images}/art.png`, official: undefined, x: 10, y: 10, scale: 1, width: 4, height: 4 });
      assert.ok(!a?.pixels.includes('10,10'), 'the transparent corner is not part of the template');

      // Paint one template pixel with its colour: the overlay follows the delta.
      await first.click('#palette [role="radio"]:nth-child(4)');
      const point = await first.evaluate(() => window.__tessera!.clientPointOf(12, 12));
      await first.mouse.click(point.x, point.y);
      await first.waitForFunction(() => window.__tessera!.lastResult?.ok === true, null, { timeout: 6_000 });
      await waitForDiffering(first, 14);

      // The address bar is the link; the view's own updates keep the template fields.
      const shared = await first.evaluate(() => location.hash);
      assert.match(shared, /template=/);
      const second = await openPlayer(await browser.newContext(), shared);
      await waitForDiffering(second, 14);
      const b = await hook(second);
      const a2 = await hook(first);
      assert.deepEqual(b?.active, a2?.active);
      assert.deepEqual(b?.pixels, a2?.pixels);
      assert.ok(!b?.pixels.includes('12,12'));

      // The admin turns colour 3 green: the template's orange snaps to another colour, so the
      // pixel painted orange no longer matches, on both pages.
      const recolored = await fetch(`${url}${ADMIN_API_BASE}/palette`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ colors: [{ index: 3, color: '#00ff00' }] }),
      });
      assert.equal(recolored.status, 200);
      await waitForDiffering(first, 15);
      await waitForDiffering(second, 15);
      await second.context().close();
    } finally {
      await context.close();
    }
  });

  it('shows an official template the admin pins on the admin page, toggled on and off by a player on a phone', async () => {
    assert.ok(browser);
    const adminContext = await browser.newContext();
    const admin = await adminContext.newPage();
    await admin.goto(`${url}/admin.html`);
    await admin.fill('#token', ADMIN_TOKEN);
    await admin.click('#sign-in-form button[type=submit]');
    await admin.waitForSelector('#console:not([hidden])');
    await admin.fill('#template-form [name=id]', 'event-logo');
    await admin.fill('#template-form [name=name]', 'Event logo');
    await admin.fill('#template-form [name=url]', `${images}/art.png`);
    await admin.fill('#template-form [name=x]', '30');
    await admin.fill('#template-form [name=y]', '5');
    await admin.fill('#template-form [name=scale]', '2');
    await admin.click('#template-form button[type=submit]');
    await admin.waitForSelector('#templates button[data-id="event-logo"]', { timeout: 5_000 });
    // A refused pin keeps the form and says why.
    await admin.fill('#template-form [name=id]', 'second');
    await admin.fill('#template-form [name=url]', 'https://exa mple.org/x.png');
    await admin.evaluate(() => document.querySelector<HTMLFormElement>('#template-form')!.setAttribute('novalidate', ''));
    await admin.click('#template-form button[type=submit]');
    await admin.waitForFunction(() => (document.getElementById('notice')?.textContent ?? '').includes('failed: INVALID_PAYLOAD (url)'), null, {
      timeout: 5_000,
    });
    assert.equal(await admin.$$eval('#templates tr', (rows) => rows.length), 1);
    await adminContext.close();

    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    try {
      const page = await openPlayer(context, '');
      await page.tap('#templates-button');
      await page.waitForSelector('#template-officials button[data-id="event-logo"]', { timeout: 10_000 });
      await page.tap('#template-officials button[data-id="event-logo"]');
      await waitForDiffering(page, 60); // 8×8 at scale 2, the 2×2 transparent corner left out
      const state = await hook(page);
      assert.deepEqual(state?.active, { url: `${images}/art.png`, official: 'event-logo', x: 30, y: 5, scale: 2, width: 8, height: 8 });
      assert.equal(await page.getAttribute('#template-officials button[data-id="event-logo"]', 'aria-pressed'), 'true');
      await page.tap('#template-visibility');
      assert.equal(await page.evaluate(() => (window as unknown as { __tesseraTemplates: { opacity: number } }).__tesseraTemplates.opacity), 0);
      await page.tap('#template-officials button[data-id="event-logo"]');
      assert.equal((await hook(page))?.active, undefined, 'toggled off');
    } finally {
      await context.close();
    }
  });

  it('answers hostile or wrong images with a clear message and keeps the tab responsive', async () => {
    assert.ok(browser);
    const context = await browser.newContext();
    try {
      const page = await openPlayer(context, '');
      await page.click('#templates-button');
      const cases: [string, RegExp][] = [
        [`${images}/page.html`, /not an image/],
        [`${images}/bomb.png`, /20000×20000.*at most 2048×2048/],
        [`${images}/huge.png`, /larger than 4 MiB/],
        [`${images}/no-cors.png`, /could not be downloaded/],
        [`${images}/missing.png`, /HTTP 404/],
        ['javascript:alert(1)', /http\(s\) URL/],
      ];
      for (const [target, expected] of cases) {
        await page.fill('#template-url', target);
        await page.click('#template-load');
        await page
          .waitForFunction(
            (source) => new RegExp(source).test((window as unknown as { __tesseraTemplates: TemplatesHook }).__tesseraTemplates.message),
            expected.source,
            { timeout: 15_000 },
          )
          .catch(async () => assert.fail(`${target}: the panel says "${(await hook(page))?.message}"`));
        assert.equal((await hook(page))?.active, undefined, `${target} left no template behind`);
        const started = Date.now();
        await page.evaluate(() => 1);
        assert.ok(Date.now() - started < 2_000, 'the tab still answers');
      }
      await page.fill('#template-url', `${images}/art.png`);
      await page.fill('#template-scale', '200');
      await page.click('#template-load');
      await page.waitForFunction(
        () => (window as unknown as { __tesseraTemplates: TemplatesHook }).__tesseraTemplates.message.includes('scale must be'),
        null,
        {
          timeout: 5_000,
        },
      );

      // A file: shown, but not shareable as a link; an oversized file gets the same message as a URL.
      await page.fill('#template-url', '');
      await page.fill('#template-scale', '1');
      await page.setInputFiles('#template-file', { name: 'huge.png', mimeType: 'image/png', buffer: Buffer.alloc(5 * 1024 * 1024) });
      await page.click('#template-load');
      await page.waitForFunction(
        () => (window as unknown as { __tesseraTemplates: TemplatesHook }).__tesseraTemplates.message.includes('larger than 4 MiB'),
        null,
        { timeout: 5_000 },
      );
      await page.setInputFiles('#template-file', { name: 'art.png', mimeType: 'image/png', buffer: Buffer.from(artPng()) });
      await page.fill('#template-x', '50');
      await page.fill('#template-y', '50');
      await page.click('#template-load');
      await waitForDiffering(page, 15);
      const fromFile = await hook(page);
      assert.deepEqual(fromFile?.active, { url: undefined, official: undefined, x: 50, y: 50, scale: 1, width: 4, height: 4 });
      assert.equal(await page.isDisabled('#template-copy'), true, 'a file cannot be shared as a link');
      assert.doesNotMatch(await page.evaluate(() => location.hash), /template=/);

      const broken = await openPlayer(context, '#template=ftp%3A%2F%2Fx&tx=-4');
      await broken.waitForFunction(
        () => (window as unknown as { __tesseraTemplates: TemplatesHook }).__tesseraTemplates.message.includes('template link'),
        null,
        {
          timeout: 5_000,
        },
      );
    } finally {
      await context.close();
    }
  });
});

// Presence and the event's numbers in real Chromium against a real cluster: a private
// redis-server, two gateways and a writer from their dist/main.js. Players on both gateways see
// the same "N online"; the admin page shows the numbers of a scripted load, plots them and
// exports them as JSON. TESSERA_BROWSER_LOGS=1 shows the services' output and the pages' console.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { io, type Socket } from 'socket.io-client';
import { stopAll, type Service } from '../../scripts/lib/processes.mjs';
import { getFreePort, requireBuilt, useRedis, waitFor } from '../../test-support/index.js';
import { CHROMIUM, GATEWAY_MAIN, isOk, launchChromium, startService, VERBOSE, WEB_ROOT, WRITER_MAIN } from './support/browser-harness.js';

const SESSION_SECRET = 'presence-browser-test-secret-at-least-32-chars';
const ADMIN_TOKEN = 'presence-admin-token-0123456789abcdef';

describe('presence and the event numbers in a browser', function () {
  this.timeout(90_000);

  before(function () {
    requireBuilt(this, [GATEWAY_MAIN]);
    assert.ok(existsSync(WRITER_MAIN), `${WRITER_MAIN} is missing: run npm run build`);
    assert.ok(existsSync(`${WEB_ROOT}/admin.html`), `${WEB_ROOT}/admin.html is missing: run npm run build -w web`);
    assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM} (set CHROMIUM_PATH)`);
  });

  const services: Service[] = [];
  const urls: string[] = [];
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  const sockets: Socket[] = [];

  after(async function () {
    this.timeout(20_000);
    for (const socket of sockets) socket.close();
    await browser?.close();
    await stopAll(services, 5_000);
  });

  const redis = useRedis();

  before(async function () {
    this.timeout(60_000);
    const ready: Promise<unknown>[] = [];
    for (let index = 0; index < 2; index++) {
      const port = await getFreePort();
      urls.push(`http://127.0.0.1:${port}`);
      services.push(
        startService(`gateway-${index}`, GATEWAY_MAIN, {
          PORT: String(port),
          HOST: '127.0.0.1',
          REDIS_URL: redis.url,
          SESSION_SECRET,
          ADMIN_TOKENS: `ops:${ADMIN_TOKEN}`,
          CANVAS_COOLDOWN_MS: '0',
          SHUTDOWN_DRAIN_MS: '200',
          PRESENCE_INTERVAL_MS: '300',
          WEB_ROOT,
        }),
      );
      ready.push(waitFor(() => isOk(`${urls[index]}/readyz`), { timeoutMs: 30_000, message: `gateway ${index} ready` }));
    }
    const writerPort = await getFreePort();
    services.push(startService('writer', WRITER_MAIN, { REDIS_URL: redis.url, HTTP_PORT: String(writerPort) }));
    ready.push(waitFor(() => isOk(`http://127.0.0.1:${writerPort}/readyz`), { timeoutMs: 30_000, message: 'writer ready' }));
    await Promise.all(ready);
    browser = await launchChromium();
  });

  async function newPage(url: string, name: string): Promise<{ page: Page; context: BrowserContext }> {
    assert.ok(browser);
    const context = await browser.newContext({ viewport: { width: 1000, height: 800 }, deviceScaleFactor: 1, acceptDownloads: true });
    contexts.push(context);
    const page = await context.newPage();
    if (VERBOSE) page.on('console', (message) => console.log(`[${name}] ${message.text()}`));
    page.on('pageerror', (error) => console.error(`[${name}] ${error.message}`));
    await page.goto(url);
    return { page, context };
  }
  async function openPlayer(gateway: number, name: string): Promise<{ page: Page; context: BrowserContext }> {
    const opened = await newPage(`${urls[gateway]}/`, name);
    await opened.page.waitForFunction(() => window.__tessera?.connection === 'live' && window.__tessera.loaded, null, { timeout: 15_000 });
    return opened;
  }
  const onlineText = (page: Page) =>
    page.evaluate(() => (document.getElementById('online')?.hidden ? 'hidden' : document.getElementById('online')?.textContent));

  /** A headless player (no page: not a canvas load) that places `count` pixels. */
  async function headlessPlacer(gateway: number, count: number, row: number): Promise<void> {
    const socket = io(urls[gateway], { transports: ['websocket'], forceNew: true, reconnection: false });
    sockets.push(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('welcome', () => resolve());
      socket.once('connect_error', reject);
    });
    for (let x = 0; x < count; x++) {
      const result = (await socket.timeout(5_000).emitWithAck('place', { x, y: row, color: 1 })) as { ok: boolean };
      assert.equal(result.ok, true);
    }
    socket.close();
  }

  it('shows the players online across both gateways in every page, and follows one leaving', async () => {
    const first = await openPlayer(0, 'player-a');
    const second = await openPlayer(1, 'player-b');
    for (const { page } of [first, second])
      await waitFor(async () => (await onlineText(page)) === '2 online', { timeoutMs: 10_000, message: 'a page to show 2 online' });
    const third = await openPlayer(1, 'player-c');
    for (const { page } of [first, second, third])
      await waitFor(async () => (await onlineText(page)) === '3 online', { timeoutMs: 10_000, message: 'every page to show 3 online' });
    await third.context.close();
    for (const { page } of [first, second])
      await waitFor(async () => (await onlineText(page)) === '2 online', { timeoutMs: 10_000, message: 'back to 2 online' });

    // The scripted load: 5 placements by 2 headless players (neither is a canvas load).
    await headlessPlacer(0, 3, 10);
    await headlessPlacer(1, 2, 11);

    const { page: admin } = await newPage(`${urls[1]}/admin.html`, 'admin');
    await admin.fill('#token', ADMIN_TOKEN);
    await admin.press('#token', 'Enter');
    const stat = (name: string) => admin.evaluate((n) => document.querySelector(`#stats-figures [data-stat="${n}"]`)?.textContent ?? '', name);
    // The figures refresh by themselves every few seconds: wait for the writer to have counted.
    await waitFor(async () => (await stat('placements')) === '5', { timeoutMs: 20_000, message: 'the admin page to show 5 placements' });
    assert.equal(await stat('canvasLoads'), '3', 'three pages were loaded');
    assert.equal(await stat('uniqueUsers'), '2');
    assert.equal(await stat('signedInUsers'), '0');
    assert.ok(Number(await stat('peakOnline')) >= 3, 'three pages were open at once');
    assert.ok(['1', '2', '3', '4', '5'].includes(await stat('peakPlacementsPerSecond')));
    // Two player pages are open; the admin page is not a player.
    await waitFor(async () => (await stat('online')) === '2', { timeoutMs: 10_000, message: 'the admin page to show 2 online' });

    // The plot drew the minute: its canvas holds the series' colour.
    const drawn = await admin.evaluate(() => {
      const canvas = document.querySelector<HTMLCanvasElement>('#stats-placements-plot canvas');
      if (!canvas) return 0;
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let yellow = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i]! > 200 && data[i + 1]! > 170 && data[i + 2]! < 120 && data[i + 3]! > 100) yellow++;
      return yellow;
    });
    assert.ok(drawn > 0, 'the placements plot drew its series');

    // The export is the API's JSON.
    const [download] = await Promise.all([admin.waitForEvent('download'), admin.click('#stats-export')]);
    const exported = JSON.parse(readFileSync(await download.path(), 'utf8')) as {
      placements: number;
      canvasLoads: number;
      perMinute: { placements: number }[];
    };
    assert.equal(exported.placements, 5);
    assert.equal(exported.canvasLoads, 3);
    assert.equal(
      exported.perMinute.reduce((sum, minute) => sum + minute.placements, 0),
      5,
    );
  });
});

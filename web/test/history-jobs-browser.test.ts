// The admin page's history jobs in real Chromium, against a real gateway, a real snapshotter
// process with the system ffmpeg, and a real S3-compatible server: start a timelapse, watch its
// progress reach the end, get the download link, and download an MP4 from it.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { io } from 'socket.io-client';
import { stopAll, type Service } from '../../scripts/lib/processes.mjs';
import { getFreePort, requireBuilt, useRedis, useS3, waitFor } from '../../test-support/index.js';
import { CHROMIUM, GATEWAY_MAIN, isOk, launchChromium, ROOT, startService, VERBOSE, WEB_ROOT } from './support/browser-harness.js';

const SNAPSHOTTER_MAIN = `${ROOT}snapshotter/dist/main.js`;
const ADMIN_TOKEN = 'history-admin-token-0123456789abcdef';

describe('history jobs on the admin page in a browser', function () {
  this.timeout(120_000);

  before(function () {
    requireBuilt(this, [GATEWAY_MAIN, SNAPSHOTTER_MAIN]);
    assert.ok(existsSync(`${WEB_ROOT}/admin.html`), `${WEB_ROOT}/admin.html is missing: run npm run build -w web`);
    assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM} (set CHROMIUM_PATH)`);
  });

  const services: Service[] = [];
  let url = '';
  let browser: Browser | undefined;
  // Registered before useRedis() and useS3(), so it runs before they stop.
  after(async function () {
    this.timeout(20_000);
    await browser?.close();
    await stopAll(services, 5_000);
  });
  const redis = useRedis();
  const s3 = useS3();

  before(async function () {
    this.timeout(60_000);
    const port = await getFreePort();
    const snapshotterPort = await getFreePort();
    url = `http://127.0.0.1:${port}`;
    services.push(
      startService('gateway', GATEWAY_MAIN, {
        PORT: String(port),
        HOST: '127.0.0.1',
        REDIS_URL: redis.url,
        SESSION_SECRET: 'history-browser-test-secret-at-least-32-characters',
        ADMIN_TOKENS: `ops:${ADMIN_TOKEN}`,
        SNAPSHOTS_ENABLED: 'true',
        CANVAS_BOOTSTRAP: 'create',
        CANVAS_WIDTH: '64',
        CANVAS_HEIGHT: '48',
        CANVAS_COOLDOWN_MS: '0',
        SHUTDOWN_DRAIN_MS: '200',
        WEB_ROOT,
      }),
    );
    await waitFor(() => isOk(`${url}/readyz`), { timeoutMs: 30_000, message: 'gateway ready' });
    services.push(
      startService('snapshotter', SNAPSHOTTER_MAIN, { REDIS_URL: redis.url, HTTP_PORT: String(snapshotterPort), SNAPSHOT_INTERVAL_MS: '600000', ...s3.env }),
    );
    await waitFor(() => isOk(`http://127.0.0.1:${snapshotterPort}/readyz`), { timeoutMs: 30_000, message: 'snapshotter ready' });
    const socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('welcome', () => resolve());
        socket.once('connect_error', reject);
      });
      for (let i = 0; i < 20; i++) {
        const result = (await socket.timeout(5_000).emitWithAck('place', { x: i, y: i, color: 1 + (i % 5) })) as { ok: boolean };
        assert.equal(result.ok, true);
      }
    } finally {
      socket.close();
    }
    browser = await launchChromium();
  });

  it('starts a timelapse, shows its progress to 100 %, and offers a link that downloads the MP4', async () => {
    assert.ok(browser);
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, acceptDownloads: true });
    const page = await context.newPage();
    if (VERBOSE) page.on('console', (message) => console.log(`[admin] ${message.text()}`));
    page.on('pageerror', (error) => console.error(`[admin] ${error.message}`));
    await page.goto(`${url}/admin.html`);
    await page.fill('#token', ADMIN_TOKEN);
    await page.click('#sign-in-form button[type=submit]');
    await page.waitForSelector('#console:not([hidden])');

    // The form proposes the last hour; the range ends a second from now, after every placement.
    const form = page.locator('#history-job-form');
    await form.locator('select[name=kind]').selectOption('timelapse');
    const to = new Date(Date.now() + 1_000);
    const local = new Date(to.getTime() - to.getTimezoneOffset() * 60_000).toISOString().slice(0, 19);
    await form.locator('input[name=to]').fill(local);
    await form.locator('input[name=durationSeconds]').fill('2');
    await form.locator('input[name=fps]').fill('10');
    await form.locator('input[name=scale]').fill('4');
    // Past the range's end before it starts: every placement is in it.
    await waitFor(() => Date.now() > to.getTime() + 50, { message: 'the range ended' });
    await form.locator('button[type=submit]').click();
    await page.waitForSelector('#history-notice:has-text("Started timelapse")', { timeout: 10_000 });

    const row = page.locator('#history-jobs tr').first();
    await page.waitForSelector('#history-jobs tr[data-state=completed]', { timeout: 60_000 });
    assert.equal(await row.locator('progress').evaluate((bar) => (bar as HTMLProgressElement).value), 1);
    assert.match((await row.textContent()) ?? '', /100% done/);

    const download = page.waitForEvent('download', { timeout: 15_000 });
    await row.locator('.history-download').click();
    const link = await page.waitForSelector('#history-jobs .history-link', { timeout: 15_000 });
    const href = await link.getAttribute('href');
    assert.ok(href?.startsWith(s3.endpoint), `a presigned link to the S3 server: ${href}`);
    const saved = await download;
    assert.match(saved.suggestedFilename(), /timelapse.*\.mp4$/);
    const response = await fetch(href!);
    assert.equal(response.status, 200);
    const bytes = new Uint8Array(await response.arrayBuffer());
    assert.equal(Buffer.from(bytes.subarray(4, 8)).toString('latin1'), 'ftyp', 'an MP4 file');
    await context.close();
  });
});

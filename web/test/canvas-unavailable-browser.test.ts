// The player page through a Redis outage in real Chromium: the gateway (from its dist/main.js) stays
// up and connected, the page says the canvas is temporarily unavailable while Redis is stopped,
// and clears that as soon as it is back; placing works again without a reload.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { getFreePort, startRedis, waitFor, type RedisServer } from '../../test-support/index.js';
import {
  gatewayEnv,
  GATEWAY_MAIN,
  isOk,
  placeAndAwaitAnswer,
  startService,
  useBrowser,
  waitForLivePlayer,
  waitReady,
  WRITER_MAIN,
} from './support/browser-harness.js';

describe('the player page through a Redis outage', function () {
  this.timeout(90_000);
  const browser = useBrowser([GATEWAY_MAIN, WRITER_MAIN], 'index.html');
  let redis: RedisServer | undefined;
  let dir = '';
  let url = '';

  before(async function () {
    this.timeout(60_000);
    // AOF in a directory of our own, so Redis comes back on the same port with the canvas.
    dir = mkdtempSync(path.join(os.tmpdir(), 'tessera-unavailable-'));
    redis = await startRedis({ dir, appendonly: true });
    const port = await getFreePort();
    url = `http://127.0.0.1:${port}`;
    browser.services.push(
      startService('gateway', GATEWAY_MAIN, gatewayEnv(port, redis.url)),
      startService('writer', WRITER_MAIN, { REDIS_URL: redis.url, HTTP_PORT: String(await getFreePort()) }),
    );
    await waitReady(url, 'gateway');
  });
  // After the browser fixture's `after`, which stops the services first.
  after(async function () {
    this.timeout(20_000);
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const bannerShown = (page: Page): Promise<boolean> => page.evaluate(() => !document.getElementById('unavailable')!.hidden);
  it('shows "temporarily unavailable" while Redis is down, refuses placing with that reason, and clears it when Redis is back', async () => {
    assert.ok(redis);
    const page = await browser.newPage('page', { width: 900, height: 700 });
    await page.goto(`${url}/#x=20.5&y=20.5&z=16`);
    await waitForLivePlayer(page);
    assert.equal(await bannerShown(page), false);
    assert.equal((await placeAndAwaitAnswer(page, 20, 20)).ok, true);

    const port = redis.port;
    await redis.stop();
    await page.waitForFunction(() => !document.getElementById('unavailable')!.hidden, null, { timeout: 10_000 });
    const text = await page.evaluate(() => document.getElementById('unavailable')!.textContent ?? '');
    assert.match(text, /temporarily unavailable/);
    assert.equal(await page.evaluate(() => window.__tessera!.connection), 'live', 'the socket stays up: only the canvas is unavailable');
    assert.equal(await isOk(`${url}/readyz`), true, 'the gateway stays ready');
    assert.deepEqual(await placeAndAwaitAnswer(page, 21, 20), { ok: false, error: 'CANVAS_UNAVAILABLE' });
    assert.equal(await bannerShown(page), true);

    redis = await startRedis({ dir, port, appendonly: true });
    await page.waitForFunction(() => document.getElementById('unavailable')!.hidden, null, { timeout: 20_000 });
    await waitFor(async () => (await placeAndAwaitAnswer(page, 22, 20)).ok, { timeoutMs: 10_000, message: 'placing to work again' });
    assert.equal(await bannerShown(page), false);
  });
});

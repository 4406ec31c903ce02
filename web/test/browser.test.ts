// The built web client in real Chromium against a real cluster: a private redis-server, two
// gateways and one writer started from their dist/main.js. Set TESSERA_BROWSER_LOGS=1 to see
// their output and the pages' console.
import assert from 'node:assert/strict';
import { inflateRawSync } from 'node:zlib';
import { FrameKind, smallestDeltaFrame } from '@tessera/protocol';
import type { Page } from 'playwright-core';
import { stopAll, type Service } from '../../scripts/lib/processes.mjs';
import { getFreePort, useRedis, waitFor } from '../../test-support/index.js';
import {
  clickPixel,
  gatewayEnv,
  GATEWAY_MAIN,
  rgb,
  screenPixel,
  startService,
  useBrowser,
  waitForLivePlayer as waitUntilLive,
  waitReady,
  WRITER_MAIN,
} from './support/browser-harness.js';

describe('the web client in a browser', function () {
  this.timeout(90_000);
  const browser = useBrowser([GATEWAY_MAIN, WRITER_MAIN], 'index.html');
  const gatewayPorts: number[] = [];
  let gateways: Service[] = [];
  const redis = useRedis();

  function startGateway(index: number): Service {
    const service = startService(`gateway-${index}`, GATEWAY_MAIN, gatewayEnv(gatewayPorts[index]!, redis.url));
    browser.services.push(service);
    return service;
  }

  before(async function () {
    this.timeout(60_000);
    gatewayPorts.push(await getFreePort(), await getFreePort());
    gateways = [startGateway(0), startGateway(1)];
    const writerPort = await getFreePort();
    browser.services.push(startService('writer', WRITER_MAIN, { REDIS_URL: redis.url, HTTP_PORT: String(writerPort) }));
    await Promise.all([
      ...gatewayPorts.map((port) => waitReady(`http://127.0.0.1:${port}`, `gateway on ${port}`)),
      waitReady(`http://127.0.0.1:${writerPort}`, 'writer'),
    ]);
  });

  /** Opens the client served by gateway `index`, looking at (x, y) zoomed in, and waits until it is live. */
  async function openPage(index: number, x: number, y: number, beforeLoad?: (page: Page) => void): Promise<Page> {
    const page = await browser.newPage(`page ${index}`, { width: 900, height: 700 });
    beforeLoad?.(page);
    await page.goto(`http://127.0.0.1:${gatewayPorts[index]}/#x=${x + 0.5}&y=${y + 0.5}&z=16`);
    await waitUntilLive(page);
    return page;
  }

  /** Selects palette index `color` by its swatch, as a player would, and returns its `#rrggbb`. */
  async function pickColor(page: Page, color: number): Promise<string> {
    const swatch = page.getByRole('radio', { name: new RegExp(`^Colour ${color + 1}: #`) });
    await swatch.click();
    assert.equal(await swatch.getAttribute('aria-checked'), 'true');
    const label = (await swatch.getAttribute('aria-label')) ?? '';
    const hex = /#[0-9a-f]{6}/.exec(label)?.[0];
    assert.ok(hex, `swatch label "${label}" names no colour`);
    return hex;
  }

  async function waitForScreenColor(page: Page, x: number, y: number, hex: string, what: string): Promise<void> {
    const expected = rgb(hex);
    let seen: number[] = [];
    await waitFor(
      async () => {
        seen = await screenPixel(page, x, y);
        return seen.every((value, i) => value === expected[i]);
      },
      { timeoutMs: 5_000, message: `${what} to show ${hex} at (${x}, ${y}) on screen` },
    ).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}; it shows rgb(${seen.join(', ')})`);
    });
  }

  it('shows a pixel placed on one gateway to a player on the other, in the replica and on screen', async () => {
    const [x, y, color] = [123, 45, 13];
    const a = await openPage(0, x, y);
    /** What page B's WebSocket received: deltas should come as bare binary messages (protocol/src/bare-frames.ts). */
    const received: (string | Buffer)[] = [];
    const b = await openPage(1, x, y, (page) => page.on('websocket', (socket) => socket.on('framereceived', ({ payload }) => received.push(payload))));
    assert.notEqual(await b.evaluate(([px, py]) => window.__tessera!.replica.colorAt(px, py), [x, y] as const), color);

    const hex = await pickColor(a, color);
    await clickPixel(a, x, y);
    await a.waitForFunction(() => window.__tessera!.lastResult !== undefined, null, { timeout: 6_000 });
    assert.deepEqual(await a.evaluate(() => window.__tessera!.lastResult?.ok), true, 'the placement was accepted');

    await b.waitForFunction(([px, py, c]) => window.__tessera!.replica.colorAt(px, py) === c, [x, y, color] as const, { timeout: 5_000 });
    await waitForScreenColor(b, x, y, hex, 'page B');
    const bareDeltas = received.filter((payload): payload is Buffer => typeof payload !== 'string' && payload[0] === FrameKind.Delta);
    assert.ok(bareDeltas.length > 0, 'no delta arrived as a bare frame');
    // Each in the fewer bytes of the writer's format 2 and the packed format 3: nothing smaller is left to choose.
    const inflate = (body: Uint8Array, maxBytes: number): Uint8Array => inflateRawSync(body, { maxOutputLength: maxBytes });
    for (const payload of bareDeltas)
      assert.deepEqual(Buffer.from(smallestDeltaFrame(payload, inflate)), payload, `a delta in format ${payload[1]} had a smaller form`);
    const framedDeltas = received.filter((payload) => typeof payload === 'string' && /^4(2|51-)\["delta"/.test(payload));
    assert.deepEqual(framedDeltas, [], 'a delta arrived in Socket.IO framing');
    // A's overlay gives way to the delta, which must leave the same colour.
    await a.waitForFunction(([px, py, c]) => window.__tessera!.replica.colorAt(px, py) === c, [x, y, color] as const, { timeout: 5_000 });
    await waitForScreenColor(a, x, y, hex, 'page A');
  });

  it('pans on a drag without placing a pixel, and puts the view in the URL', async () => {
    const page = await openPage(0, 200, 200);
    const before = await page.evaluate(() => window.__tessera!.placeCount);
    const start = await page.evaluate(() => window.__tessera!.clientPointOf(200, 200));
    await page.mouse.move(start.x, start.y);
    await page.mouse.down();
    await page.mouse.move(start.x - 80, start.y - 48, { steps: 8 });
    await page.mouse.up();
    assert.equal(await page.evaluate(() => window.__tessera!.placeCount), before, 'a drag must not place');
    // 80 × 48 CSS px at 16 px per board pixel: the centre moved by (5, 3).
    await page.waitForFunction(() => location.hash.startsWith('#x=205.5&y=203.5&z=16'), null, { timeout: 3_000 });
  });

  it('refetches after its gateway restarts and shows what was placed meanwhile', async () => {
    const [x, y, color] = [60, 70, 27];
    const a = await openPage(0, x, y);
    const b = await openPage(1, x, y);
    const readsBefore = await b.evaluate(() => window.__tessera!.stats.canvasReads);

    await stopAll([gateways[1]!], 5_000);
    await b.waitForFunction(() => window.__tessera!.connection !== 'live', null, { timeout: 5_000 });
    const hex = await pickColor(a, color);
    await clickPixel(a, x, y);
    await a.waitForFunction(() => window.__tessera!.lastResult?.ok === true, null, { timeout: 6_000 });

    gateways[1] = startGateway(1);
    await waitUntilLive(b, 30_000);
    await b.waitForFunction(([px, py, c]) => window.__tessera!.replica.colorAt(px, py) === c, [x, y, color] as const, { timeout: 5_000 });
    assert.ok((await b.evaluate(() => window.__tessera!.stats.canvasReads)) > readsBefore, 'the canvas was read again');
    await waitForScreenColor(b, x, y, hex, 'page B after reconnecting');
  });
});

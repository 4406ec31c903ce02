// The history viewer end to end: a private redis-server and S3 server (s3rver), the real
// snapshotter archiving a scripted history, a gateway reading that archive with its own
// credentials, and the built client in Chromium scrubbing through it. What the viewer shows at a
// time is compared byte for byte with a replay of the Redis stream up to that time.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Redis } from 'ioredis';
import type { Browser, Page } from 'playwright-core';
import { canvasKeys, decodeCanvas, decodeHistoryEvents, parsePosition, type HistoryIndex } from '@tessera/protocol';
import { createPixelPlacer } from '@tessera/store';
import { stopAll, type Service } from '../../scripts/lib/processes.mjs';
import { getFreePort, requireBuilt, useRedis, useS3, waitFor } from '../../test-support/index.js';
import { CHROMIUM, GATEWAY_MAIN, isOk, launchChromium, ROOT, startService, VERBOSE, WEB_ROOT, WRITER_MAIN } from './support/browser-harness.js';

const SNAPSHOTTER_MAIN = `${ROOT}snapshotter/dist/main.js`;
const SESSION_SECRET = 'history-test-secret-that-is-at-least-32-characters';
const ADMIN_TOKEN = 'history-admin-token-0123456789abcdef';
const CANVAS_ID = 'history';
const WIDTH = 300; // four chunks: 256 + 44 in each direction
const HEIGHT = 300;
const BUCKET = 'tessera';

interface ViewerHook {
  readonly history: {
    readonly available: boolean;
    readonly open: boolean;
    readonly shownAt: number | undefined;
    readonly loading: boolean;
    readonly error: string | undefined;
    readonly range: { start: number; end: number } | undefined;
    readonly replica: { toIndexArray(): Uint8Array; readonly width: number; readonly height: number };
  };
  readonly connection: string;
  readonly loaded: boolean;
}

describe('the history viewer', function () {
  this.timeout(120_000);

  before(function () {
    requireBuilt(this, [GATEWAY_MAIN, SNAPSHOTTER_MAIN, WRITER_MAIN, `${WEB_ROOT}/index.html`]);
    assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM} (set CHROMIUM_PATH)`);
  });

  const services: Service[] = [];
  let browser: Browser | undefined;
  let redisClient: Redis | undefined;
  let gatewayUrl = '';
  /** Stream time of each scripted phase's first and last placement. */
  const phases: { first: number; last: number }[] = [];

  after(async function () {
    this.timeout(20_000);
    await browser?.close();
    redisClient?.disconnect();
    await stopAll(services, 5_000);
  });

  const redis = useRedis();
  const s3 = useS3({ buckets: [BUCKET] });

  const canvasEnv = () => ({ REDIS_URL: redis.url, CANVAS_ID, CANVAS_WIDTH: String(WIDTH), CANVAS_HEIGHT: String(HEIGHT), CANVAS_COOLDOWN_MS: '0' });

  before(async function () {
    this.timeout(90_000);
    const gatewayPort = await getFreePort();
    const snapshotterPort = await getFreePort();
    const writerPort = await getFreePort();
    gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
    services.push(
      startService('gateway', GATEWAY_MAIN, {
        ...canvasEnv(),
        PORT: String(gatewayPort),
        HOST: '127.0.0.1',
        SESSION_SECRET,
        SHUTDOWN_DRAIN_MS: '200',
        WEB_ROOT,
        ADMIN_TOKENS: `ops:${ADMIN_TOKEN}`,
        // Its own (read) credentials, not the snapshotter's AWS_* environment.
        HISTORY_S3_BUCKET: BUCKET,
        HISTORY_S3_ENDPOINT: s3.endpoint,
        HISTORY_S3_REGION: s3.region,
        HISTORY_S3_FORCE_PATH_STYLE: 'true',
        HISTORY_S3_ACCESS_KEY_ID: s3.credentials.accessKeyId,
        HISTORY_S3_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
        HISTORY_INDEX_CACHE_MS: '200',
      }),
    );
    await waitFor(() => isOk(`${gatewayUrl}/readyz`), { timeoutMs: 30_000, message: 'gateway ready' });
    services.push(
      startService('snapshotter', SNAPSHOTTER_MAIN, { ...canvasEnv(), ...s3.env, HTTP_PORT: String(snapshotterPort), SNAPSHOT_INTERVAL_MS: '700' }),
    );
    services.push(startService('writer', WRITER_MAIN, { ...canvasEnv(), HTTP_PORT: String(writerPort) }));
    await waitFor(() => isOk(`http://127.0.0.1:${snapshotterPort}/readyz`), { timeoutMs: 30_000, message: 'snapshotter ready' });
    await waitFor(() => isOk(`http://127.0.0.1:${writerPort}/readyz`), { timeoutMs: 30_000, message: 'writer ready' });

    // The scripted history: three phases painting over one another, each archived before the next.
    redisClient = new Redis(redis.url);
    const placer = createPixelPlacer(redisClient, CANVAS_ID, 1_000_000);
    await setMode('on'); // to watch the archive grow through the gateway
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed % n;
    };
    for (let phase = 0; phase < 3; phase++) {
      let first = 0;
      let last = 0;
      for (let i = 0; i < 400; i++) {
        const outcome = await placer.place({
          x: random(WIDTH),
          y: random(HEIGHT),
          color: 1 + random(31),
          userId: `player-${random(20)}`,
          ip: '10.0.0.1',
          applyIpCooldown: false,
        });
        assert.ok(outcome.ok, `placement ${i} of phase ${phase} was refused`);
        const ms = parsePosition(outcome.eventId)!.ms;
        if (i === 0) first = ms;
        last = ms;
        if (i % 100 === 99) await new Promise((resolve) => setImmediate(resolve));
      }
      phases.push({ first, last });
      await waitFor(async () => ((await index()).end ?? 0) >= last, { timeoutMs: 30_000, message: `phase ${phase} archived` });
    }
    await setMode('off');
    browser = await launchChromium();
  });

  async function setMode(mode: string): Promise<Response> {
    return fetch(`${gatewayUrl}/api/admin/history-viewer`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ mode }),
    });
  }

  async function index(): Promise<HistoryIndex> {
    const response = await fetch(`${gatewayUrl}/api/canvas/history`);
    assert.equal(response.status, 200);
    return (await response.json()) as HistoryIndex;
  }

  /** The canvas a replay of the Redis stream up to `at` (inclusive) gives, on a blank canvas. */
  async function streamReplay(at: number): Promise<Uint8Array> {
    const entries = (await redisClient!.xrange(canvasKeys(CANVAS_ID).events, '-', String(at))) as [string, string[]][];
    const canvas = new Uint8Array(WIDTH * HEIGHT);
    for (const [, fields] of entries) {
      const values: Record<string, string> = {};
      for (let i = 0; i + 1 < fields.length; i += 2) values[fields[i]!] = fields[i + 1]!;
      canvas[Number(values.y) * WIDTH + Number(values.x)] = Number(values.c ?? values.color);
    }
    return canvas;
  }

  async function openViewer(): Promise<Page> {
    assert.ok(browser);
    const context = await browser.newContext({ viewport: { width: 900, height: 700 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    if (VERBOSE) page.on('console', (message) => console.log(`[page] ${message.text()}`));
    page.on('pageerror', (error) => console.error(`[page] ${error.message}`));
    await page.goto(`${gatewayUrl}/`);
    await page.waitForFunction(() => (window as unknown as { __tessera?: ViewerHook }).__tessera?.connection === 'live', null, { timeout: 20_000 });
    return page;
  }

  /** Moves the slider to `at` as a player would, waits until the viewer drew it, and returns what it shows. */
  async function scrubTo(page: Page, at: number): Promise<{ shownAt: number; bytes: Uint8Array }> {
    await page.locator('#history-slider').fill(String(at));
    await page.waitForFunction(
      () => {
        const history = (window as unknown as { __tessera: ViewerHook }).__tessera.history;
        return !history.loading && history.shownAt !== undefined && history.error === undefined;
      },
      null,
      { timeout: 20_000 },
    );
    const shown = await page.evaluate(() => {
      const history = (window as unknown as { __tessera: ViewerHook }).__tessera.history;
      return { shownAt: history.shownAt!, bytes: Array.from(history.replica.toIndexArray()), width: history.replica.width };
    });
    assert.equal(shown.width, WIDTH);
    return { shownAt: shown.shownAt, bytes: Uint8Array.from(shown.bytes) };
  }

  it('stays hidden and refuses every endpoint while switched off', async () => {
    const page = await openViewer();
    assert.equal(await page.locator('#history-open').isHidden(), true);
    for (const path of ['', '/keyframes/0000000000000_0000000000000-0000000000', '/segments/0000000000000-0000000000_0000000000000-0000000000']) {
      const response = await fetch(`${gatewayUrl}/api/canvas/history${path}`);
      assert.equal(response.status, 403, path);
      assert.deepEqual(await response.json(), { error: 'HISTORY_CLOSED' });
      assert.equal(response.headers.get('cache-control'), 'no-store');
    }
    await page.context().close();
  });

  it('shows, at a chosen time, exactly the canvas a replay of the stream gives, scrubbing back and forth', async () => {
    assert.equal((await setMode('on')).status, 200);
    const page = await openViewer();
    await page.locator('#history-open').click({ timeout: 10_000 });
    await page.waitForFunction(() => (window as unknown as { __tessera: ViewerHook }).__tessera.history.range !== undefined, null, { timeout: 10_000 });
    const [a, b, c] = phases as [(typeof phases)[0], (typeof phases)[0], (typeof phases)[0]];
    const middle = (phase: { first: number; last: number }) => Math.floor((phase.first + phase.last) / 2);
    // Forward, back across a keyframe, forward again; inside phases and between them.
    const times = [middle(b), a.last, c.last, middle(a), b.first, middle(c), b.last, middle(b)];
    for (const at of times) {
      const shown = await scrubTo(page, at);
      assert.equal(shown.shownAt, at);
      const expected = await streamReplay(at);
      assert.ok(
        expected.some((value) => value !== 0),
        'the replay holds pixels',
      );
      assert.deepEqual(shown.bytes, expected, `the viewer at ${at} equals the stream replayed up to it`);
    }
    await page.context().close();
  });

  it('clamps times before the archive and in the future to its ends', async () => {
    const page = await openViewer();
    await page.locator('#history-open').click({ timeout: 10_000 });
    await page.waitForFunction(() => (window as unknown as { __tessera: ViewerHook }).__tessera.history.range !== undefined, null, { timeout: 10_000 });
    const range = await page.evaluate(() => (window as unknown as { __tessera: ViewerHook }).__tessera.history.range!);
    const past = await scrubTo(page, 0);
    assert.equal(past.shownAt, range.start);
    assert.deepEqual(past.bytes, await streamReplay(range.start));
    const future = await scrubTo(page, Date.now() + 86_400_000);
    const end = (await page.evaluate(() => (window as unknown as { __tessera: ViewerHook }).__tessera.history.range!)).end;
    assert.equal(future.shownAt, end);
    assert.deepEqual(future.bytes, await streamReplay(end));
    await page.context().close();
  });

  it('opens while-paused only while the canvas is paused, and switching off closes an open viewer', async () => {
    const page = await openViewer();
    await page.locator('#history-open').click({ timeout: 10_000 });
    assert.equal((await setMode('while-paused')).status, 200);
    await page.waitForFunction(() => !(window as unknown as { __tessera: ViewerHook }).__tessera.history.open, null, { timeout: 10_000 });
    assert.equal(await page.locator('#history-panel').isHidden(), true);
    assert.equal((await fetch(`${gatewayUrl}/api/canvas/history`)).status, 403);
    const pause = (paused: boolean) =>
      fetch(`${gatewayUrl}/api/admin/paused`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ paused }),
      });
    assert.equal((await pause(true)).status, 200);
    await page.waitForFunction(() => (window as unknown as { __tessera: ViewerHook }).__tessera.history.available, null, { timeout: 10_000 });
    await waitFor(async () => (await fetch(`${gatewayUrl}/api/canvas/history`)).status === 200, { timeoutMs: 10_000, message: 'open while paused' });
    assert.equal((await pause(false)).status, 200);
    await waitFor(async () => (await fetch(`${gatewayUrl}/api/canvas/history`)).status === 403, { timeoutMs: 10_000, message: 'closed again on resume' });
    await page.waitForFunction(() => !(window as unknown as { __tessera: ViewerHook }).__tessera.history.available, null, { timeout: 10_000 });
    assert.equal(await page.locator('#history-open').isHidden(), true);
    await page.context().close();
  });

  it('is switched from the admin page, and a player sees the History button come and go live', async () => {
    assert.equal((await setMode('off')).status, 200);
    const player = await openViewer();
    assert.ok(browser);
    const context = await browser.newContext();
    const admin = await context.newPage();
    await admin.goto(`${gatewayUrl}/admin.html`);
    await admin.fill('#token', ADMIN_TOKEN);
    await admin.click('#sign-in-form button[type=submit]');
    await admin.waitForSelector('#console:not([hidden])');
    assert.equal(await admin.inputValue('#history-viewer-form select'), 'off');
    await admin.selectOption('#history-viewer-form select', 'on');
    await admin.click('#history-viewer-form button[type=submit]');
    await player.locator('#history-open').waitFor({ state: 'visible', timeout: 10_000 });
    await waitFor(async () => (await fetch(`${gatewayUrl}/api/canvas/history`)).status === 200, { timeoutMs: 10_000, message: 'open from the admin page' });
    await admin.selectOption('#history-viewer-form select', 'off');
    await admin.click('#history-viewer-form button[type=submit]');
    await player.locator('#history-open').waitFor({ state: 'hidden', timeout: 10_000 });
    assert.equal((await fetch(`${gatewayUrl}/api/canvas/history`)).status, 403);
    const audit = (await (await fetch(`${gatewayUrl}/api/admin/audit`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as {
      entries: { action: string }[];
    };
    assert.ok(
      audit.entries.some((entry) => entry.action === 'canvas.history-viewer'),
      'the switch is audited',
    );
    await context.close();
    await player.context().close();
  });

  describe('over HTTP', () => {
    before(async () => {
      assert.equal((await setMode('on')).status, 200);
      await waitFor(async () => (await fetch(`${gatewayUrl}/api/canvas/history`)).status === 200, { timeoutMs: 10_000, message: 'open' });
    });

    it('serves keyframes and segments immutable with an ETag, the index briefly cacheable', async () => {
      const response = await fetch(`${gatewayUrl}/api/canvas/history`, { headers: { 'accept-encoding': 'gzip' } });
      assert.match(response.headers.get('cache-control') ?? '', /^public, max-age=0, /);
      assert.equal(response.headers.get('content-encoding'), 'gzip', 'the index is compressed too');
      const etag = response.headers.get('etag');
      assert.ok(etag);
      assert.equal((await fetch(`${gatewayUrl}/api/canvas/history`, { headers: { 'accept-encoding': 'gzip', 'if-none-match': etag } })).status, 304);
      const { keyframes, segments } = (await response.json()) as HistoryIndex;
      assert.ok(keyframes.length >= 3 && segments.length >= 3, `${keyframes.length} keyframes, ${segments.length} segments`);
      const keyframe = await fetch(`${gatewayUrl}/api/canvas/history/keyframes/${keyframes[keyframes.length - 1]!.name}`, {
        headers: { 'accept-encoding': 'br' },
      });
      assert.equal(keyframe.status, 200);
      assert.equal(keyframe.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      assert.equal(keyframe.headers.get('content-encoding'), 'br');
      assert.match(keyframe.headers.get('vary') ?? '', /accept-encoding/i);
      const decoded = decodeCanvas(new Uint8Array(await keyframe.arrayBuffer()));
      assert.ok(decoded.ok);
      assert.equal(decoded.value.width, WIDTH);
      const keyframeEtag = keyframe.headers.get('etag')!;
      const again = await fetch(`${gatewayUrl}/api/canvas/history/keyframes/${keyframes[keyframes.length - 1]!.name}`, {
        headers: { 'accept-encoding': 'br', 'if-none-match': keyframeEtag },
      });
      assert.equal(again.status, 304);
    });

    it('never serves who placed a pixel', async () => {
      const { segments } = await index();
      for (const segment of segments) {
        const response = await fetch(`${gatewayUrl}/api/canvas/history/segments/${segment.name}`, { headers: { 'accept-encoding': 'identity' } });
        assert.equal(response.status, 200);
        const bytes = new Uint8Array(await response.arrayBuffer());
        assert.equal(Buffer.from(bytes).includes('player-'), false, 'no user id in the bytes');
        const decoded = decodeHistoryEvents(bytes);
        assert.ok(decoded.ok);
        assert.ok(decoded.value.events.every((event) => Object.keys(event).sort().join() === 'color,position,x,y'));
      }
    });

    it('answers garbage, traversal and oversized names with 400 or 404, and never reaches other objects', async () => {
      const cases: [string, number][] = [
        ['/keyframes/latest', 404],
        ['/keyframes/..%2Flatest.json', 404],
        ['/keyframes/%2e%2e%2f%2e%2e%2fsnapshots', 404],
        ['/keyframes/../../latest.json', 404],
        ['/segments/..%2F..%2Fother%2Fhistory', 404],
        ['/keyframes/0000000000000_0000000000000-0000000000.tsnap', 404],
        ['/keyframes/9999999999999_9999999999999-9999999999', 404],
        ['/segments/0000000000001-0000000000_0000000000002-0000000000', 404],
        [`/keyframes/${'1'.repeat(5_000)}`, 400],
        ['/keyframes/a/b', 404],
        ['/snapshots', 404],
        ['?from=0&to=99999999999999999999', 400],
        ['/segments/0000000000001-0000000000_0000000000002-0000000000?x=1', 400],
      ];
      for (const [path, status] of cases) {
        const response = await fetch(`${gatewayUrl}/api/canvas/history${path}`);
        assert.equal(response.status, status, path);
        const body = (await response.json()) as { error: string };
        assert.ok(['NOT_FOUND', 'INVALID_PAYLOAD'].includes(body.error), `${path}: ${body.error}`);
      }
    });

    it('answers a corrupt archived object with 502 and keeps serving the rest', async () => {
      const client = new S3Client(s3.clientConfig);
      // Sorts after every real key: the gateway lists incrementally, after the newest key it saw.
      const name = '9999999999998_0000000000001-0000000000';
      await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `tessera/${CANVAS_ID}/snapshots/${name}.tsnap`, Body: new Uint8Array(64).fill(7) }));
      client.destroy();
      await waitFor(async () => (await index()).keyframes.some((keyframe) => keyframe.name === name), { timeoutMs: 10_000, message: 'listed' });
      const response = await fetch(`${gatewayUrl}/api/canvas/history/keyframes/${name}`);
      assert.equal(response.status, 502);
      assert.deepEqual(await response.json(), { error: 'HISTORY_UNREADABLE' });
      const good = (await index()).keyframes.at(-2)!; // the one before the corrupt one
      assert.notEqual(good.name, name);
      assert.equal((await fetch(`${gatewayUrl}/api/canvas/history/keyframes/${good.name}`)).status, 200);
    });

    it('answers 404 for an object deleted from the bucket (a lifecycle rule) and drops it from the index', async () => {
      // The corrupt keyframe above: never decoded, so no gateway holds it in memory.
      const { keyframes } = await index();
      const victim = keyframes.find((keyframe) => keyframe.name.startsWith('9999999999998_'))!;
      const client = new S3Client(s3.clientConfig);
      await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: `tessera/${CANVAS_ID}/snapshots/${victim.name}.tsnap` }));
      client.destroy();
      const response = await fetch(`${gatewayUrl}/api/canvas/history/keyframes/${victim.name}`);
      assert.equal(response.status, 404);
      await waitFor(async () => !(await index()).keyframes.some((keyframe) => keyframe.name === victim.name), {
        timeoutMs: 10_000,
        message: 'dropped from the index',
      });
      assert.equal((await index()).keyframes.length, keyframes.length - 1);
    });

    it('counts requests by kind and outcome in its metrics', async () => {
      const metrics = await (await fetch(`${gatewayUrl}/metrics`)).text();
      for (const [kind, outcome] of [
        ['index', 'closed'],
        ['index', 'ok'],
        ['keyframe', 'ok'],
        ['segment', 'ok'],
        ['keyframe', 'not_found'],
        ['keyframe', 'unreadable'],
        ['keyframe', 'invalid'],
      ]) {
        assert.match(metrics, new RegExp(`tessera_history_requests_total\\{kind="${kind}",outcome="${outcome}"[^}]*\\} [1-9]`), `${kind} ${outcome}`);
      }
      assert.match(metrics, /tessera_history_bytes_sent_total\{kind="keyframe"[^}]*\} [1-9]/);
    });

    it('refuses a bad mode through the admin API', async () => {
      for (const body of [{ mode: 'sometimes' }, { mode: 1 }, {}, { mode: 'on', extra: true }]) {
        const response = await fetch(`${gatewayUrl}/api/admin/history-viewer`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        assert.equal(response.status, 400, JSON.stringify(body));
      }
      const unauthenticated = await fetch(`${gatewayUrl}/api/admin/history-viewer`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: '{"mode":"on"}',
      });
      assert.equal(unauthenticated.status, 401);
    });
  });
});

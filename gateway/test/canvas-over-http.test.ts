import assert from 'node:assert/strict';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { canvasKeys, decodeCanvas, formatPosition, type CanvasFrame, type PlaceResult } from '@tessera/protocol';
import { Redis } from 'ioredis';
import { useRedis } from '../../test-support/index.js';
import { connectPlayer, startGateway, type RunningGateway } from './support/gateway-harness.js';

const keys = canvasKeys('main');

async function fetchCanvas(url: string, headers: Record<string, string> = {}): Promise<{ response: Response; frame: CanvasFrame }> {
  const response = await fetch(url, { headers });
  assert.equal(response.status, 200);
  const decoded = decodeCanvas(new Uint8Array(await response.arrayBuffer()));
  assert.ok(decoded.ok, decoded.ok ? '' : decoded.error.message);
  return { response, frame: decoded.value };
}

describe('the canvas over HTTP', () => {
  const redisServer = useRedis();
  let redis: Redis;
  let gateway: RunningGateway;

  before(async () => {
    redis = new Redis(redisServer.url);
    redis.on('error', () => undefined);
    gateway = await startGateway(redisServer.url, { CANVAS_WIDTH: '600', CANVAS_HEIGHT: '300', CANVAS_CACHE_MS: '0' });
    const player = await connectPlayer(gateway.url);
    for (const [x, y, color] of [
      [0, 0, 3],
      [599, 299, 9],
      [300, 100, 4],
    ] as const) {
      assert.ok(((await player.socket.timeout(3000).emitWithAck('place', { x, y, color })) as PlaceResult).ok);
    }
    player.socket.close();
  });
  after(async () => {
    await gateway.close();
    redis.disconnect();
  });

  it('serves every chunk with the stream position it was read at', async () => {
    const { response, frame } = await fetchCanvas(`${gateway.url}/api/canvas/data`);
    const [last] = await redis.xrevrange(keys.events, '+', '-', 'COUNT', 1);
    assert.equal(formatPosition(frame.position), last?.[0]);
    assert.equal(response.headers.get('x-tessera-position'), last?.[0]);
    assert.deepEqual([frame.width, frame.height], [600, 300]);
    const chunks = new Map(frame.chunks.map((chunk) => [`${chunk.cx},${chunk.cy}`, chunk.bytes]));
    assert.equal(chunks.get('0,0')?.[0], 3);
    assert.equal(chunks.get('2,1')?.[(299 - 256) * 256 + (599 - 512)], 9);
    assert.equal(chunks.get('1,0')?.[100 * 256 + 44], 4);
    assert.equal(chunks.has('0,1'), false, 'a chunk never written is omitted');
  });

  it('compresses with brotli or gzip as the client accepts, to the same bytes', async () => {
    const plain = await (await fetch(`${gateway.url}/api/canvas/data`, { headers: { 'accept-encoding': 'identity' } })).arrayBuffer();
    for (const [encoding, inflate] of [
      ['br', brotliDecompressSync],
      ['gzip', gunzipSync],
    ] as const) {
      // undici decodes transparently; a raw request shows what went over the wire.
      const raw = await rawGet(`${gateway.url}/api/canvas/data`, { 'accept-encoding': encoding });
      assert.equal(raw.headers['content-encoding'], encoding);
      assert.ok(raw.body.length < plain.byteLength / 5, `${encoding}: ${raw.body.length} bytes vs ${plain.byteLength}`);
      assert.deepEqual(new Uint8Array(inflate(raw.body)), new Uint8Array(plain));
    }
  });

  it('answers a matching If-None-Match with 304', async () => {
    const first = await rawGet(`${gateway.url}/api/canvas/data`, { 'accept-encoding': 'br' });
    const etag = first.headers.etag as string;
    assert.ok(etag);
    const second = await rawGet(`${gateway.url}/api/canvas/data`, { 'accept-encoding': 'br', 'if-none-match': etag });
    assert.equal(second.status, 304);
    assert.equal(second.body.length, 0);
  });

  it('serves one chunk, and an empty frame for a blank one', async () => {
    const { frame } = await fetchCanvas(`${gateway.url}/api/canvas/data/2/1`);
    assert.equal(frame.chunks.length, 1);
    assert.equal(frame.chunks[0]?.bytes[(299 - 256) * 256 + (599 - 512)], 9);
    const blank = await fetchCanvas(`${gateway.url}/api/canvas/data/0/1`);
    assert.equal(blank.frame.chunks.length, 0);
  });

  it('refuses malformed chunk coordinates', async () => {
    for (const path of ['/api/canvas/data/-1/0', '/api/canvas/data/a/0', '/api/canvas/data/1/99999']) {
      const response = await fetch(`${gateway.url}${path}`);
      assert.equal(response.status, 400, path);
      assert.deepEqual(await response.json(), { error: 'INVALID_PAYLOAD' });
    }
    assert.equal((await fetch(`${gateway.url}/api/nothing`)).status, 404);
  });

  it('serves the config as JSON', async () => {
    const body = (await (await fetch(`${gateway.url}/api/canvas`)).json()) as { canvasId: string; config: { width: number; palette: string[] } };
    assert.equal(body.canvasId, 'main');
    assert.equal(body.config.width, 600);
    assert.equal(body.config.palette.length, 32);
  });

  it('shares one Redis read among many simultaneous requests', async () => {
    const cached = await startGateway(redisServer.url, { CANVAS_CACHE_MS: '5000' });
    try {
      const reads = () => cached.gateway.metrics.canvasReads.get().then((metric) => metric.values.find((value) => value.labels.source === 'redis')?.value ?? 0);
      await Promise.all(Array.from({ length: 200 }, () => fetch(`${cached.url}/api/canvas/data`).then((response) => response.arrayBuffer())));
      assert.equal(await reads(), 1);
    } finally {
      await cached.close();
    }
  });

  it('reads again past a cached copy older than ?after=, once for the whole crowd (invariant 6)', async () => {
    const cached = await startGateway(redisServer.url, { CANVAS_CACHE_MS: '60000' });
    const player = await connectPlayer(cached.url);
    try {
      const reads = () => cached.gateway.metrics.canvasReads.get().then((metric) => metric.values.find((value) => value.labels.source === 'redis')?.value ?? 0);
      const before = (await fetchCanvas(`${cached.url}/api/canvas/data`)).frame.position;
      assert.ok(((await player.socket.timeout(3000).emitWithAck('place', { x: 7, y: 7, color: 5 })) as PlaceResult).ok);
      const [last] = await redis.xrevrange(keys.events, '+', '-', 'COUNT', 1);
      const after = last![0];
      assert.notEqual(formatPosition(before), after);
      const frames = await Promise.all(Array.from({ length: 200 }, async () => (await fetchCanvas(`${cached.url}/api/canvas/data?after=${after}`)).frame));
      assert.ok(
        frames.every((frame) => formatPosition(frame.position) === after),
        'every answer is at least as new as asked',
      );
      assert.equal(await reads(), 2, 'one read for the first request, one shared re-read for the crowd');
      assert.equal(frames[0]!.chunks.find((chunk) => chunk.cx === 0 && chunk.cy === 0)?.bytes[7 * 256 + 7], 5);
    } finally {
      player.socket.close();
      await cached.close();
    }
  });

  it('refuses a malformed ?after= with INVALID_PAYLOAD', async () => {
    for (const bad of ['x', '1-2-3', '-1-0', '', '99999999999999999-0']) {
      const response = await fetch(`${gateway.url}/api/canvas/data?after=${encodeURIComponent(bad)}`);
      assert.equal(response.status, 400, `after=${bad}`);
      assert.deepEqual(await response.json(), { error: 'INVALID_PAYLOAD' });
    }
    assert.equal((await fetch(`${gateway.url}/api/canvas/data/0/0?after=nope`)).status, 400);
  });

  it("promises each new connection the writer's committed cursor, and nothing before any writer ran", async () => {
    assert.deepEqual(await redis.hgetall(keys.writerState), {}, 'no writer runs in this suite');
    const fresh = await connectPlayer(gateway.url);
    fresh.socket.close();
    assert.deepEqual([fresh.welcome.minPosition, fresh.welcome.epoch], ['0-0', 0]);
    await redis.hset(keys.writerState, { epoch: '4242', seq: '7', cursor: '1700000000000-3' });
    try {
      const promised = await connectPlayer(gateway.url);
      promised.socket.close();
      assert.deepEqual([promised.welcome.minPosition, promised.welcome.epoch], ['1700000000000-3', 4242]);
    } finally {
      await redis.del(keys.writerState);
    }
  });
});

/** A GET without transparent decompression, to see the bytes on the wire. */
async function rawGet(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    request(url, { headers }, (response) => {
      const parts: Buffer[] = [];
      response.on('data', (part: Buffer) => parts.push(part));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(parts) }));
    })
      .on('error', reject)
      .end();
  });
}

import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { ErrorCode } from '@tessera/protocol';
import { io as connect } from 'socket.io-client';
import WebSocket from 'ws';
import { useRedis } from '../../test-support/index.js';
import { connectPlayer, startGateway, type RunningGateway } from './support/gateway-harness.js';

const FRIEND = 'https://friend.example';

/** What a raw WebSocket handshake with this Origin got: opened, or refused with a status and body. */
function handshake(url: string, origin: string | undefined): Promise<{ opened: true } | { opened: false; status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`, origin === undefined ? {} : { origin });
    ws.once('open', () => {
      ws.terminate();
      resolve({ opened: true });
    });
    ws.once('unexpected-response', (_request, response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ opened: false, status: response.statusCode ?? 0, body }));
    });
    ws.once('error', (error) => reject(error));
  });
}

/** A GET (or another method) with chosen headers; node's fetch is not used because Origin is the point. */
function get(
  url: string,
  headers: Record<string, string>,
  method = 'GET',
): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers }, (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers }));
    });
    req.once('error', reject);
    req.end();
  });
}

describe('browser origins', () => {
  const redisServer = useRedis();
  let gateway: RunningGateway;

  before(async () => {
    gateway = await startGateway(redisServer.url, { CORS_ORIGINS: `${FRIEND},http://localhost:5173` });
  });
  after(() => gateway.close());

  describe('on the WebSocket handshake', () => {
    it("refuses another site's page before the upgrade, with ORIGIN_NOT_ALLOWED", async () => {
      for (const origin of ['https://evil.example', 'null', gateway.url.replace('127.0.0.1', 'localhost'), 'http://127.0.0.1:1']) {
        assert.deepEqual(await handshake(gateway.url, origin), { opened: false, status: 400, body: ErrorCode.OriginNotAllowed }, origin);
      }
    });

    it("admits the gateway's own origin, a configured one, and a client sending none", async () => {
      assert.deepEqual(await handshake(gateway.url, gateway.url), { opened: true });
      assert.deepEqual(await handshake(gateway.url, FRIEND), { opened: true });
      assert.deepEqual(await handshake(gateway.url, undefined), { opened: true });
    });

    it('lets a Socket.IO client from an allowed origin play, and one from another site never connect', async () => {
      const friend = connect(gateway.url, { transports: ['websocket'], reconnection: false, forceNew: true, extraHeaders: { origin: FRIEND } });
      const evil = connect(gateway.url, { transports: ['websocket'], reconnection: false, forceNew: true, extraHeaders: { origin: 'https://evil.example' } });
      try {
        const welcomed = new Promise((resolve) => friend.once('welcome', resolve));
        const refused = new Promise<Error>((resolve) => evil.once('connect_error', resolve));
        evil.once('welcome', () => assert.fail('a page from another site was welcomed'));
        await welcomed;
        assert.match((await refused).message, /websocket error/);
        assert.equal(evil.connected, false);
      } finally {
        friend.close();
        evil.close();
      }
      // And a plain client (no Origin) still plays.
      const player = await connectPlayer(gateway.url);
      player.socket.close();
    });
  });

  describe('on the canvas endpoints', () => {
    const paths = ['/api/canvas', '/api/canvas/data', '/api/canvas/data/0/0'];

    it('lets an allowed origin read the canvas and the headers that come with it', async () => {
      for (const path of paths) {
        const response = await get(`${gateway.url}${path}`, { origin: FRIEND, 'accept-encoding': 'br' });
        assert.equal(response.status, 200, path);
        assert.equal(response.headers['access-control-allow-origin'], FRIEND, path);
        assert.match(String(response.headers.vary), /\bOrigin\b/, path);
        const exposed = String(response.headers['access-control-expose-headers']).toLowerCase();
        if (path !== '/api/canvas') {
          assert.match(String(response.headers.vary), /\bAccept-Encoding\b/, path);
          for (const header of ['x-tessera-position', 'x-tessera-config-version', 'etag'])
            assert.ok(exposed.includes(header), `${path}: ${header} not exposed`);
        }
      }
    });

    it('tells a browser on another site nothing it may read, and varies on Origin for caches', async () => {
      for (const path of paths) {
        const response = await get(`${gateway.url}${path}`, { origin: 'https://evil.example' });
        assert.equal(response.status, 200, path);
        assert.equal(response.headers['access-control-allow-origin'], undefined, path);
        assert.match(String(response.headers.vary), /\bOrigin\b/, path);
        const plain = await get(`${gateway.url}${path}`, {});
        assert.equal(plain.headers['access-control-allow-origin'], undefined, path);
        assert.match(String(plain.headers.vary), /\bOrigin\b/, `${path}: a cached copy without CORS headers must not be served to an allowed origin`);
      }
    });

    it('answers a preflight from an allowed origin only', async () => {
      const allowed = await get(
        `${gateway.url}/api/canvas/data`,
        { origin: FRIEND, 'access-control-request-method': 'GET', 'access-control-request-headers': 'if-none-match' },
        'OPTIONS',
      );
      assert.equal(allowed.status, 204);
      assert.equal(allowed.headers['access-control-allow-origin'], FRIEND);
      assert.match(String(allowed.headers['access-control-allow-headers']), /If-None-Match/i);
      const refused = await get(`${gateway.url}/api/canvas/data`, { origin: 'https://evil.example', 'access-control-request-method': 'GET' }, 'OPTIONS');
      assert.equal(refused.headers['access-control-allow-origin'], undefined);
    });
  });
});

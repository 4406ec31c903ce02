import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { canvasKeys, ErrorCode } from '@tessera/protocol';
import { Redis } from 'ioredis';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { getFreePort, useRedis, waitFor } from '../../test-support/index.js';
import { connectPlayer, startGateway, type Player } from './support/gateway-harness.js';

describe('a gateway', () => {
  const redisServer = useRedis();
  let redis: Redis;
  before(() => {
    redis = new Redis(redisServer.url);
    redis.on('error', () => undefined);
  });
  after(() => redis.disconnect());

  it('refuses more sockets per address than allowed, and frees the slot on disconnect', async () => {
    const gateway = await startGateway(redisServer.url, { MAX_SOCKETS_PER_IP: '2' });
    const players: Player[] = [];
    try {
      players.push(await connectPlayer(gateway.url), await connectPlayer(gateway.url));
      await assert.rejects(connectPlayer(gateway.url), { message: ErrorCode.TooManyConnections });
      players.shift()!.socket.close();
      await waitFor(async () => connectPlayer(gateway.url).then((player) => players.push(player)), { message: 'a freed slot' });
    } finally {
      players.forEach((player) => player.socket.close());
      await gateway.close();
    }
  });

  it('waits for the canvas to exist before reporting ready when told to', async () => {
    const waitingRedis = new Redis(redisServer.url);
    await redis.del(canvasKeys('waiting').config);
    const gateway = await startGateway(redisServer.url, { CANVAS_ID: 'waiting', CANVAS_BOOTSTRAP: 'wait' });
    try {
      const notReady = await fetch(`${gateway.url}/readyz`);
      assert.equal(notReady.status, 503);
      assert.match(await notReady.text(), /canvas config missing/);
      await redis.hset(canvasKeys('waiting').config, {
        width: 10,
        height: 10,
        palette: '["#ffffff","#000000"]',
        paletteSize: 2,
        cooldownMs: 0,
        paused: 0,
        version: 1,
      });
      await waitFor(async () => (await fetch(`${gateway.url}/readyz`)).status === 200, { message: 'readiness' });
      assert.equal((await fetch(`${gateway.url}/healthz`)).status, 200);
      const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
      assert.match(metrics, /^tessera_gateway_connections[{ ]/m);
      assert.match(metrics, /^nodejs_eventloop_lag_p99_seconds[{ ]/m);
    } finally {
      await gateway.close();
      waitingRedis.disconnect();
    }
  });

  it('keeps /metrics off the public port when METRICS_PORT is set', async () => {
    const metricsPort = await getFreePort();
    const gateway = await startGateway(redisServer.url, { METRICS_PORT: String(metricsPort) });
    try {
      assert.equal((await fetch(`${gateway.url}/metrics`)).status, 404);
      assert.equal((await fetch(`${gateway.url}/readyz`)).status, 200, 'probes stay on the public port');
      const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      assert.equal(metrics.status, 200);
      assert.match(await metrics.text(), /^tessera_placements_total|^tessera_gateway_connections[{ ]/m);
    } finally {
      await gateway.close();
    }
    await assert.rejects(fetch(`http://127.0.0.1:${metricsPort}/metrics`), 'the metrics port closes with the gateway');
  });

  it('drains on shutdown: not ready, players told to reconnect elsewhere, then closed', async () => {
    const gateway = await startGateway(redisServer.url, { SHUTDOWN_DRAIN_MS: '300' });
    const players = await Promise.all([1, 2, 3].map(() => connectPlayer(gateway.url)));
    const told = players.map((player) => new Promise<void>((resolve) => player.socket.once('draining', () => resolve())));
    const gone = players.map((player) => new Promise<string>((resolve) => player.socket.once('disconnect', resolve)));
    const draining = gateway.gateway.drain();
    await Promise.all(told);
    for (const reason of await Promise.all(gone)) assert.match(reason, /io server disconnect|transport close/);
    await draining;
    await assert.rejects(fetch(`${gateway.url}/healthz`), 'the port is closed after the drain');
  });

  describe('with an identity provider', () => {
    let jwks: Server;
    let sign: (claims: Record<string, unknown>, options?: { issuer?: string }) => Promise<string>;
    let jwksUrl: string;

    before(async () => {
      const { publicKey, privateKey } = await generateKeyPair('RS256');
      const jwk = { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
      jwks = createServer((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
      await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
      jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
      sign = (claims, options = {}) =>
        new SignJWT(claims)
          .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
          .setIssuer(options.issuer ?? 'https://issuer.test')
          .setAudience('tessera')
          .setIssuedAt()
          .setExpirationTime('5m')
          .sign(privateKey);
    });
    after(() => new Promise<void>((resolve) => jwks.close(() => resolve())));

    it('accepts a valid account token and refuses a wrong issuer or a garbage token', async () => {
      const gateway = await startGateway(redisServer.url, { AUTH_JWKS_URL: jwksUrl, AUTH_JWT_ISSUER: 'https://issuer.test', AUTH_JWT_AUDIENCE: 'tessera' });
      try {
        const player = await connectPlayer(gateway.url, { idToken: await sign({ sub: 'alice' }) });
        assert.equal(player.welcome.userId, 'a_alice');
        assert.equal(player.welcome.sessionToken, undefined);
        player.socket.close();
        await assert.rejects(connectPlayer(gateway.url, { idToken: await sign({ sub: 'mallory' }, { issuer: 'https://evil.test' }) }), {
          message: ErrorCode.Unauthorized,
        });
        await assert.rejects(connectPlayer(gateway.url, { idToken: 'a.b.c' }), { message: ErrorCode.Unauthorized });
      } finally {
        await gateway.close();
      }
    });
  });
});

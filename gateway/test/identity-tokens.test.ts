import assert from 'node:assert/strict';
import { ADMIN_API_BASE, ErrorCode } from '@tessera/protocol';
import { useRedis } from '../../test-support/index.js';
import { startJwks, type TokenOverrides } from './support/admin-harness.js';
import { connectPlayer, startGateway, type RunningGateway } from './support/gateway-harness.js';

describe('identity-provider tokens', () => {
  const redisServer = useRedis();
  let jwks: Awaited<ReturnType<typeof startJwks>>;
  let gateway: RunningGateway;

  before(async () => {
    jwks = await startJwks();
    gateway = await startGateway(redisServer.url, { AUTH_JWKS_URL: jwks.url, AUTH_JWT_ISSUER: 'https://issuer.test', AUTH_JWT_AUDIENCE: 'tessera' });
  });
  after(async () => {
    await gateway.close();
    await jwks.close();
  });

  const whoami = async (token: string): Promise<number> => {
    const response = await fetch(`${gateway.url}${ADMIN_API_BASE}/whoami`, { headers: { authorization: `Bearer ${token}` } });
    await response.arrayBuffer();
    return response.status;
  };
  /** An admin's token, signed by the trusted key set, with what the case gets wrong. */
  const adminToken = (overrides: TokenOverrides = {}): Promise<string> => jwks.sign({ sub: 'mallory', roles: ['tessera-admin'] }, overrides);
  const nowSec = (): number => Math.floor(Date.now() / 1000);

  const refused: [string, () => TokenOverrides, string?][] = [
    // Firebase and Google sign every project's tokens with the same keys: only iss/aud tell them apart.
    ["another project's issuer", () => ({ issuer: 'https://securetoken.google.com/someone-else' })],
    ["another project's audience", () => ({ audience: 'someone-else' })],
    ['no expiry at all', () => ({ exp: null })],
    ['an expiry beyond the clock skew', () => ({ exp: nowSec() - 60 }), ErrorCode.TokenExpired],
  ];
  for (const [what, overrides, code = ErrorCode.Unauthorized] of refused) {
    it(`refuses a token with ${what}, for the admin API and the socket handshake (${code})`, async () => {
      const token = await adminToken(overrides());
      assert.equal(await whoami(token), 401);
      await assert.rejects(connectPlayer(gateway.url, { idToken: token }), { message: code });
    });
  }

  // Forged tokens: none may be told "expired" (that is said of genuine tokens only) or get in.
  const forged: [string, () => Promise<string>][] = [
    [
      'a bad signature',
      async () => {
        const [header, payload] = (await adminToken()).split('.');
        return `${header}.${payload}.${Buffer.alloc(256, 7).toString('base64url')}`;
      },
    ],
    [
      'an expired token with a bad signature',
      async () => {
        const [header, payload] = (await adminToken({ exp: nowSec() - 600 })).split('.');
        return `${header}.${payload}.${Buffer.alloc(256, 7).toString('base64url')}`;
      },
    ],
    [
      'alg none',
      async () => {
        const payload = (await adminToken()).split('.')[1];
        return `${Buffer.from(JSON.stringify({ alg: 'none', kid: 'admin-test-key' })).toString('base64url')}.${payload}.`;
      },
    ],
    [
      'HS256 keyed with the public key set',
      async () => {
        const payload = (await adminToken()).split('.')[1];
        const header = Buffer.from(JSON.stringify({ alg: 'HS256', kid: 'admin-test-key' })).toString('base64url');
        const { createHmac } = await import('node:crypto');
        return `${header}.${payload}.${createHmac('sha256', 'admin-test-key').update(`${header}.${payload}`).digest('base64url')}`;
      },
    ],
    // Genuinely signed, but past the 8 KB the verifier reads (and within the CONNECT packet's limit).
    [
      'an oversized token',
      async () => {
        const token = await jwks.sign({ sub: 'mallory', padding: 'x'.repeat(6_500) });
        assert.ok(token.length > 8_192 && token.length < 10_000, String(token.length));
        return token;
      },
    ],
    ['not a JWT at all', () => Promise.resolve('not.a.jwt')],
  ];
  for (const [what, token] of forged) {
    it(`refuses a forged token: ${what}`, async () => {
      const value = await token();
      assert.equal(await whoami(value), 401);
      await assert.rejects(connectPlayer(gateway.url, { idToken: value }), { message: ErrorCode.Unauthorized });
    });
  }

  it('refuses a non-string token in the handshake', async () => {
    for (const idToken of [42, { token: 'x' }, ['a'], null]) {
      await assert.rejects(connectPlayer(gateway.url, { idToken }), { message: ErrorCode.Unauthorized });
    }
  });

  it('welcomes an account with the display name from its token, without control characters, cut to 64 characters', async () => {
    const named = await connectPlayer(gateway.url, { idToken: await jwks.sign({ sub: 'ada', name: `  Ada\u202e Lovelace\u0000 ${'x'.repeat(80)}` }) });
    assert.equal(named.welcome.displayName, `Ada Lovelace ${'x'.repeat(51)}`);
    named.socket.close();
    const handle = await connectPlayer(gateway.url, { idToken: await jwks.sign({ sub: 'bob', preferred_username: 'bob42' }) });
    assert.equal(handle.welcome.displayName, 'bob42');
    handle.socket.close();
    const anonymous = await connectPlayer(gateway.url, { idToken: await jwks.sign({ sub: 'carol' }) });
    assert.equal(anonymous.welcome.displayName, undefined);
    anonymous.socket.close();
  });

  it('counts admitted accounts and refused tokens by reason in its metrics', async () => {
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    /** The value of `name` in the series carrying `label` (every series also carries service="gateway"). */
    const value = (name: string, label: string): number => Number(new RegExp(`^${name}\\{[^}]*${label}[^}]*\\} (\\d+)$`, 'm').exec(metrics)?.[1] ?? 0);
    assert.ok(value('tessera_gateway_connections_admitted_total', 'as="account"') >= 3, metrics);
    assert.ok(value('tessera_gateway_connections_rejected_total', 'reason="TOKEN_EXPIRED"') >= 1, metrics);
    assert.ok(value('tessera_gateway_connections_rejected_total', 'reason="UNAUTHORIZED"') >= 6, metrics);
  });

  it('accepts a valid token, and one that expired within the clock skew', async () => {
    for (const token of [await adminToken(), await adminToken({ exp: nowSec() - 5 })]) {
      assert.equal(await whoami(token), 200);
      const player = await connectPlayer(gateway.url, { idToken: token });
      assert.equal(player.welcome.userId, 'a_mallory');
      player.socket.close();
    }
  });
});

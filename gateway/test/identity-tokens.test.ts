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

  const refused: Array<[string, () => TokenOverrides]> = [
    // Firebase and Google sign every project's tokens with the same keys: only iss/aud tell them apart.
    ['another project\'s issuer', () => ({ issuer: 'https://securetoken.google.com/someone-else' })],
    ['another project\'s audience', () => ({ audience: 'someone-else' })],
    ['no expiry at all', () => ({ exp: null })],
    ['an expiry beyond the clock skew', () => ({ exp: nowSec() - 60 })],
  ];
  for (const [what, overrides] of refused) {
    it(`refuses a token with ${what}, for the admin API and the socket handshake`, async () => {
      const token = await adminToken(overrides());
      assert.equal(await whoami(token), 401);
      await assert.rejects(connectPlayer(gateway.url, { idToken: token }), { message: ErrorCode.Unauthorized });
    });
  }

  it('accepts a valid token, and one that expired within the clock skew', async () => {
    for (const token of [await adminToken(), await adminToken({ exp: nowSec() - 5 })]) {
      assert.equal(await whoami(token), 200);
      const player = await connectPlayer(gateway.url, { idToken: token });
      assert.equal(player.welcome.userId, 'a_mallory');
      player.socket.close();
    }
  });
});

// A real OpenID Connect provider (the `oidc-provider` package) for the sign-in browser tests, run
// as its own process: one public client with PKCE, the package's own login and consent pages
// (devInteractions: any login name, any password), refresh tokens, and short id tokens so a test
// sees one refreshed.
//
//   PORT=… CLIENT_ID=… REDIRECT_URIS=http://a/,http://b/ ID_TOKEN_TTL_S=20 node oidc-provider.mjs
//
// Besides the provider it answers POST /test/id-token {sub, aud?, iss?, expInS?}: an id token signed
// with the provider's own key but with what a case needs wrong (expired, another audience), which
// the real flow cannot be made to issue. Prints `oidc-provider ready <issuer>` when listening.
import { createServer } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const clientId = process.env.CLIENT_ID ?? 'tessera-web';
const redirectUris = (process.env.REDIRECT_URIS ?? '').split(',').filter(Boolean);
const idTokenTtl = Number(process.env.ID_TOKEN_TTL_S ?? 3600);
if (!Number.isInteger(port) || port <= 0 || redirectUris.length === 0) {
  console.error('PORT and REDIRECT_URIS are required');
  process.exit(2);
}
const issuer = `http://127.0.0.1:${port}`;

const { privateKey } = await generateKeyPair('RS256', { extractable: true });
const privateJwk = { ...(await exportJWK(privateKey)), kid: 'test-provider-key', alg: 'RS256', use: 'sig' };

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      token_endpoint_auth_method: 'none', // a browser app: public client, PKCE instead of a secret
      redirect_uris: redirectUris,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    },
  ],
  jwks: { keys: [privateJwk] },
  pkce: { required: () => true },
  // Ids like "ada" sign in as themselves; the name claim is what the canvas shows.
  findAccount: (_ctx, accountId) => ({
    accountId,
    claims: () => ({ sub: accountId, name: `Player ${accountId}`, preferred_username: accountId }),
  }),
  claims: { openid: ['sub'], profile: ['name', 'preferred_username'] },
  conformIdTokenClaims: false, // the name goes in the id token, as most providers do
  // Every grant gets a refresh token, without the offline_access consent dance.
  issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
  clientBasedCORS: () => true,
  ttl: { IdToken: idTokenTtl, AccessToken: idTokenTtl, RefreshToken: 3600, Session: 3600, Grant: 3600, Interaction: 600, AuthorizationCode: 60 },
  features: { devInteractions: { enabled: true }, revocation: { enabled: true } },
  cookies: { keys: ['tessera-test-provider-cookie-key'] },
  renderError: (ctx, out) => {
    ctx.type = 'html';
    ctx.body = `<!doctype html><title>error</title><pre id="error">${JSON.stringify(out)}</pre>`;
  },
});
provider.on('server_error', (_ctx, error) => console.error('provider error', error));

const callback = provider.callback();
const server = createServer((request, response) => {
  if (request.method === 'POST' && request.url === '/test/id-token') return void mint(request, response);
  callback(request, response);
});

async function mint(request, response) {
  let body = '';
  for await (const chunk of request) body += chunk;
  const { sub, aud = clientId, iss = issuer, expInS = 300, name } = JSON.parse(body);
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({ sub, ...(name ? { name } : {}) })
    .setProtectedHeader({ alg: 'RS256', kid: privateJwk.kid })
    .setIssuer(iss)
    .setAudience(aud)
    .setIssuedAt(Math.min(now, now + expInS - 60))
    .setExpirationTime(now + expInS)
    .sign(privateKey);
  response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ idToken: token }));
}

server.listen(port, '127.0.0.1', () => console.log(`oidc-provider ready ${issuer}`));
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

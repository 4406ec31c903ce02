// Signing in from the player page in real Chromium, against a real OpenID Connect provider process
// (oidc-provider, support/oidc-provider.mjs) and real gateways from their dist/main.js: the
// authorization code flow with PKCE through the provider's own login page, the name from the
// token, a refresh before the token expires, sign-out, a canvas that admits accounts only, and
// the tokens and callbacks the gateway and the page must refuse.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { ErrorCode } from '@tessera/protocol';
import { readNewestEvent } from '@tessera/store';
import { Redis } from 'ioredis';
import type { Page } from 'playwright-core';
import { getFreePort, useRedis, waitFor } from '../../test-support/index.js';
import { gatewayEnv, GATEWAY_MAIN, isOk, placeAndAwaitAnswer, startService, useBrowser, waitForLivePlayer as waitLive } from './support/browser-harness.js';

const PROVIDER_SCRIPT = fileURLToPath(new URL('./support/oidc-provider.mjs', import.meta.url));
const CLIENT_ID = 'tessera-web';
/** Short, so the test sees the page refresh one before it expires. */
const ID_TOKEN_TTL_S = 12;

interface StoredTokens {
  idToken: string;
  refreshToken?: string;
  expiresAt: number;
}

describe('signing in with an OpenID Connect provider, in a browser', function () {
  this.timeout(120_000);

  const browser = useBrowser([GATEWAY_MAIN], 'index.html');
  let issuer = '';
  /** Guests allowed. */
  let open = '';
  /** AUTH_GUESTS=refused. */
  let accountsOnly = '';
  let store: Redis | undefined;

  after(() => store?.disconnect());

  const redis = useRedis();

  before(async function () {
    this.timeout(60_000);
    const [providerPort, openPort, closedPort] = await Promise.all([getFreePort(), getFreePort(), getFreePort()]);
    issuer = `http://127.0.0.1:${providerPort}`;
    open = `http://127.0.0.1:${openPort}`;
    accountsOnly = `http://127.0.0.1:${closedPort}`;
    browser.services.push(
      startService('oidc-provider', PROVIDER_SCRIPT, {
        PORT: String(providerPort),
        CLIENT_ID,
        REDIRECT_URIS: `${open}/,${accountsOnly}/`,
        ID_TOKEN_TTL_S: String(ID_TOKEN_TTL_S),
      }),
    );
    const signInGateway = (port: number, canvasId: string, guests: string): Record<string, string> =>
      gatewayEnv(port, redis.url, {
        CANVAS_ID: canvasId,
        AUTH_JWKS_URL: `${issuer}/jwks`,
        AUTH_JWT_ISSUER: issuer,
        AUTH_JWT_AUDIENCE: CLIENT_ID,
        AUTH_JWT_CLOCK_SKEW_MS: '0',
        AUTH_OIDC_CLIENT_ID: CLIENT_ID,
        AUTH_GUESTS: guests,
      });
    browser.services.push(startService('gateway-open', GATEWAY_MAIN, signInGateway(openPort, 'signin-open', 'allowed')));
    browser.services.push(startService('gateway-accounts', GATEWAY_MAIN, signInGateway(closedPort, 'signin-accounts', 'refused')));
    await waitFor(() => isOk(`${issuer}/.well-known/openid-configuration`), { timeoutMs: 30_000, message: 'provider ready' });
    await waitFor(async () => (await isOk(`${open}/readyz`)) && isOk(`${accountsOnly}/readyz`), { timeoutMs: 30_000, message: 'gateways ready' });
    store = new Redis(redis.url);
  });

  const newPage = (): Promise<Page> => browser.newPage('player', { width: 900, height: 700 });
  const text = (page: Page, id: string): Promise<string> => page.evaluate((which) => document.getElementById(which)?.textContent ?? '', id);
  const visible = (page: Page, id: string): Promise<boolean> => page.evaluate((which) => document.getElementById(which)?.hidden === false, id);
  const storedTokens = (page: Page): Promise<StoredTokens | undefined> =>
    page.evaluate(() => {
      const raw = localStorage.getItem('tessera.signin');
      return raw ? (JSON.parse(raw) as StoredTokens) : undefined;
    });

  /** Clicks "Sign in" and goes through the provider's own login and consent pages as `login`. */
  async function signInAs(page: Page, login: string, button = '#account-button'): Promise<void> {
    await page.click(button);
    await page.waitForURL((url) => url.href.startsWith(issuer), { timeout: 15_000 });
    // Login, then consent (once per client and account): both submit a form on the provider's pages.
    for (let step = 0; step < 4 && page.url().startsWith(issuer); step++) {
      await page.waitForSelector('button[type="submit"]', { timeout: 15_000 });
      if (await page.$('input[name="login"]')) {
        await page.fill('input[name="login"]', login);
        await page.fill('input[name="password"]', 'any password');
      }
      // eslint-disable-next-line @typescript-eslint/no-deprecated -- any navigation, wherever the provider sends it
      await Promise.all([page.waitForNavigation({ timeout: 15_000 }), page.click('button[type="submit"]')]);
    }
    await page.waitForURL((url) => !url.href.startsWith(issuer), { timeout: 15_000 });
  }

  /** The user id of the newest event in a canvas's stream. */
  async function lastPlacer(canvasId: string): Promise<string | undefined> {
    assert.ok(store);
    return (await readNewestEvent(store, canvasId)).events[0]?.userId;
  }

  async function mint(claims: { sub: string; aud?: string; iss?: string; expInS?: number; name?: string }): Promise<string> {
    const response = await fetch(`${issuer}/test/id-token`, { method: 'POST', body: JSON.stringify(claims) });
    return ((await response.json()) as { idToken: string }).idToken;
  }

  it('a guest signs in on the provider page, comes back to the same view, plays under the name from the token, and signs out', async () => {
    const page = await newPage();
    await page.goto(`${open}/#x=30.5&y=40.5&z=12`);
    await waitLive(page);
    assert.equal(await text(page, 'account-button'), 'Sign in');
    assert.equal(await visible(page, 'account-name'), false);

    await signInAs(page, 'ada');
    await waitLive(page);
    assert.match(page.url(), /#x=30\.5&y=40\.5&z=12$/, 'the view the player left, and no code left in the address bar');
    assert.doesNotMatch(page.url(), /[?&]code=/);
    await page.waitForFunction(() => document.getElementById('account-name')?.textContent === 'Player ada', null, { timeout: 10_000 });
    assert.equal(await text(page, 'account-button'), 'Sign out');

    await placeAndAwaitAnswer(page, 30, 40);
    assert.equal((await page.evaluate(() => window.__tessera!.lastResult))?.ok, true);
    assert.equal(await lastPlacer('signin-open'), 'a_ada');

    await page.click('#account-button');
    await page.waitForFunction(
      () => document.getElementById('account-button')?.textContent === 'Sign in' && document.getElementById('account-name')?.hidden === true,
      null,
      { timeout: 15_000 },
    );
    await waitLive(page);
    assert.equal(await storedTokens(page), undefined);
    await placeAndAwaitAnswer(page, 31, 40);
    assert.equal((await page.evaluate(() => window.__tessera!.lastResult))?.ok, true);
    assert.match((await lastPlacer('signin-open')) ?? '', /^g_/, 'placed as a guest again');
  });

  it('refreshes the id token before it expires and re-authenticates the socket without losing the view', async () => {
    const page = await newPage();
    await page.goto(`${open}/#x=10.5&y=10.5&z=20`);
    await waitLive(page);
    await signInAs(page, 'grace');
    await waitLive(page);
    const first = await storedTokens(page);
    assert.ok(first?.refreshToken, 'the provider issued a refresh token');
    const view = await page.evaluate(() => window.__tessera!.view);
    const firstExpiry = Date.now() + ID_TOKEN_TTL_S * 1000;

    await page.waitForFunction(
      (token) => {
        const raw = localStorage.getItem('tessera.signin');
        return raw !== null && (JSON.parse(raw) as { idToken: string }).idToken !== token;
      },
      first.idToken,
      { timeout: ID_TOKEN_TTL_S * 1000 },
    );
    assert.ok(Date.now() < firstExpiry, 'refreshed before the first token expired');
    await waitLive(page);
    // Past the first token's expiry the socket (re-authenticated with the new one) still places as grace.
    await waitFor(() => Date.now() > firstExpiry + 500, { timeoutMs: ID_TOKEN_TTL_S * 1000, message: 'the first token expired' });
    await waitLive(page);
    await placeAndAwaitAnswer(page, 7, 7);
    assert.equal((await page.evaluate(() => window.__tessera!.lastResult))?.ok, true);
    assert.equal(await lastPlacer('signin-open'), 'a_grace');
    assert.deepEqual(await page.evaluate(() => window.__tessera!.view), view, 'the view did not move');
    assert.equal(await text(page, 'account-name'), 'Player grace');
  });

  const refusedTokens: [string, () => Promise<string>, string][] = [
    ['an expired token', () => mint({ sub: 'late', expInS: -120 }), 'Your sign-in has expired. Sign in again.'],
    ['a token for another audience', () => mint({ sub: 'elsewhere', aud: 'another-app' }), 'Your sign-in was not accepted by this canvas. Sign in again.'],
    [
      'a token from another issuer',
      () => mint({ sub: 'elsewhere', iss: 'https://issuer.example' }),
      'Your sign-in was not accepted by this canvas. Sign in again.',
    ],
  ];
  for (const [what, token, message] of refusedTokens) {
    it(`refuses ${what}: the page says so, offers sign-in again and plays on as a guest`, async () => {
      const page = await newPage();
      await page.goto(`${open}/`);
      await waitLive(page);
      await page.evaluate((idToken) => localStorage.setItem('tessera.signin', JSON.stringify({ idToken, expiresAt: Date.now() + 60_000 })), await token());
      await page.reload();
      await page.waitForFunction((expected) => document.getElementById('toast')?.textContent === expected, message, { timeout: 15_000 });
      await waitLive(page);
      assert.equal(await text(page, 'account-button'), 'Sign in');
      assert.equal(await page.evaluate(() => document.getElementById('account-button')?.dataset.attention), 'true');
      assert.equal(await storedTokens(page), undefined, 'the refused token is forgotten');
    });
  }

  it('a canvas for accounts only refuses a guest with SIGN_IN_REQUIRED, shows sign-in, and admits them once signed in', async () => {
    const page = await newPage();
    await page.goto(`${accountsOnly}/#x=5.5&y=5.5&z=10`);
    await page.waitForFunction(() => document.getElementById('splash-sign-in')?.hidden === false, null, { timeout: 15_000 });
    assert.equal(await text(page, 'splash-text'), 'Sign in to join this canvas.');
    assert.equal(await visible(page, 'blocked'), false, 'said once: on the loading screen');
    const refused: unknown = await fetch(`${accountsOnly}/api/client-config`).then((response) => response.json());
    assert.deepEqual(refused, { signIn: { issuer, clientId: CLIENT_ID, scope: 'openid profile' }, guests: false });

    await signInAs(page, 'linus', '#splash-sign-in');
    await waitLive(page);
    assert.equal(await text(page, 'account-name'), 'Player linus');
    assert.match(page.url(), /#x=5\.5&y=5\.5&z=10$/);
    // Signed out, the same page waits for a sign-in again instead of playing as a guest.
    await page.click('#account-button');
    await page.waitForFunction(
      () => window.__tessera?.connection === 'offline' && document.getElementById('blocked')?.textContent === 'Sign in to join this canvas.',
      null,
      { timeout: 15_000 },
    );
    assert.equal(await page.evaluate(() => document.getElementById('account-button')?.dataset.attention), 'true');
  });

  it('refuses a tampered callback (state mismatch) and a replayed one, and stays a guest', async () => {
    const page = await newPage();
    await page.goto(`${open}/`);
    await waitLive(page);
    // A callback URL this tab never asked for (a forged or swapped state): nothing pending.
    await page.goto(`${open}/?code=forged-code&state=forged-state`);
    await page.waitForFunction(() => (document.getElementById('toast')?.textContent ?? '').includes('already used or was not started in this tab'), null, {
      timeout: 15_000,
    });
    await waitLive(page);
    assert.doesNotMatch(page.url(), /[?&](code|state)=/, 'the code is taken off the address bar');

    // A sign-in started here, answered with another state.
    await page.click('#account-button');
    await page.waitForURL((url) => url.href.startsWith(issuer), { timeout: 15_000 });
    await page.goto(`${open}/?code=forged-code&state=not-the-one-sent&iss=${encodeURIComponent(issuer)}`);
    await page.waitForFunction(() => (document.getElementById('toast')?.textContent ?? '').includes('did not match this tab'), null, { timeout: 15_000 });
    await waitLive(page);
    assert.equal(await storedTokens(page), undefined);

    // A real callback, replayed after it was used.
    let callbackUrl = '';
    page.on('request', (request) => {
      if (request.isNavigationRequest() && request.url().startsWith(`${open}/?`) && request.url().includes('code=')) callbackUrl = request.url();
    });
    await signInAs(page, 'eve');
    await waitLive(page);
    assert.ok(callbackUrl, 'saw the callback');
    await page.click('#account-button'); // sign out
    await page.waitForFunction(() => document.getElementById('account-button')?.textContent === 'Sign in', null, { timeout: 10_000 });
    await page.goto(callbackUrl);
    await page.waitForFunction(() => (document.getElementById('toast')?.textContent ?? '').includes('already used or was not started in this tab'), null, {
      timeout: 15_000,
    });
    await waitLive(page);
    assert.equal(await storedTokens(page), undefined, 'a replayed callback signs nobody in');
    assert.equal(await text(page, 'account-button'), 'Sign in');
  });

  it('a replayed authorization code is refused by the provider even with the state and verifier it was issued for', async () => {
    const page = await newPage();
    // Keeps a copy of what the tab holds while away at the provider: an attacker who has it all.
    await page.addInitScript(() => {
      const pending = sessionStorage.getItem('tessera.signin.pending');
      if (pending) localStorage.setItem('test.pending-copy', pending);
    });
    let callbackUrl = '';
    page.on('request', (request) => {
      if (request.isNavigationRequest() && request.url().startsWith(`${open}/?`) && request.url().includes('code=')) callbackUrl = request.url();
    });
    await page.goto(`${open}/`);
    await waitLive(page);
    await signInAs(page, 'mallory');
    await waitLive(page);
    assert.ok(callbackUrl && (await storedTokens(page)));
    await page.click('#account-button'); // sign out
    await page.waitForFunction(() => document.getElementById('account-button')?.textContent === 'Sign in', null, { timeout: 10_000 });

    await page.evaluate(() => sessionStorage.setItem('tessera.signin.pending', localStorage.getItem('test.pending-copy')!));
    await page.goto(callbackUrl);
    await page.waitForFunction(() => (document.getElementById('toast')?.textContent ?? '').includes('The provider refused the sign-in'), null, {
      timeout: 15_000,
    });
    await waitLive(page);
    assert.equal(await storedTokens(page), undefined, 'a replayed code signs nobody in');
    assert.equal(await text(page, 'account-button'), 'Sign in');
  });

  it('the gateway refuses the refused tokens with their codes in the handshake', async () => {
    const { io } = await import('socket.io-client');
    const refusal = (idToken: string): Promise<string> =>
      new Promise((resolve) => {
        const socket = io(open, { transports: ['websocket'], auth: { idToken }, reconnection: false });
        socket.on('connect_error', (error) => {
          socket.close();
          resolve(error.message);
        });
        socket.on('welcome', () => {
          socket.close();
          resolve('welcomed');
        });
      });
    assert.equal(await refusal(await mint({ sub: 'late', expInS: -120 })), ErrorCode.TokenExpired);
    assert.equal(await refusal(await mint({ sub: 'x', aud: 'another-app' })), ErrorCode.Unauthorized);
    assert.equal(await refusal(await mint({ sub: 'x', aud: CLIENT_ID })), 'welcomed');
  });
});

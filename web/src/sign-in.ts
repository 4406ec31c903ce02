import { CLIENT_CONFIG_PATH, type ClientConfig, type SignInSettings } from '@tessera/protocol';
import * as oauth from 'oauth4webapi';

/**
 * Signing in with the canvas's OpenID Connect provider: the authorization code flow with PKCE
 * (oauth4webapi), the id token kept for the Socket.IO handshake and refreshed before it expires
 * (with the refresh token, when the provider issues one), and sign-out.
 */
export interface SignIn {
  /** Whether the gateway names a provider to sign in with. */
  readonly available: boolean;
  /** False when the canvas admits signed-in players only. */
  readonly guestsAllowed: boolean;
  /** The id token to send in the handshake; undefined for a guest. */
  idToken(): string | undefined;
  signedIn(): boolean;
  /** Leaves for the provider's login page; the page comes back to the same view. */
  start(): Promise<void>;
  /** Forgets the tokens (and revokes the refresh token where the provider can). */
  signOut(): void;
  /** After the gateway said the token expired: true when a fresh one is stored. */
  refresh(): Promise<boolean>;
  /** Forgets tokens the gateway refused. */
  drop(): void;
}

export interface SignInOptions {
  /** The stored id token changed (signed in, refreshed, signed out): the socket must re-authenticate. */
  readonly onChange: () => void;
  /** A sign-in that failed, in words for the player. */
  readonly onError: (message: string) => void;
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
}

/** What survives a reload: the tokens and when the id token expires by this browser's clock. */
interface StoredTokens {
  readonly idToken: string;
  readonly refreshToken?: string;
  readonly expiresAt: number;
}

/** What the page keeps while it is away at the provider (sessionStorage: this tab only). */
interface PendingSignIn {
  readonly state: string;
  readonly nonce: string;
  readonly verifier: string;
  /** The view (`#x=…`) to come back to: the provider's redirect drops the fragment. */
  readonly returnHash: string;
}

const TOKENS_KEY = 'tessera.signin';
const PENDING_KEY = 'tessera.signin.pending';
/** Refresh this long before expiry at most, and no later than three quarters into a short lifetime. */
const REFRESH_MARGIN_MS = 60_000;
/** The browser never waits this little between refreshes, whatever a provider's lifetime says. */
const MIN_REFRESH_DELAY_MS = 2_000;
/** How long the page waits for /api/client-config before it connects as if sign-in were off. */
const CLIENT_CONFIG_TIMEOUT_MS = 5_000;

/** The callback's parameters, taken off the URL before anything else reads it (see takeCallback). */
export interface Callback {
  readonly params: URLSearchParams;
  readonly pending: PendingSignIn | undefined;
}

/**
 * Takes an authorization response off the address bar at once, so the view (which reads the hash)
 * starts where the player left and a reload or a shared link never replays the code. The pending
 * sign-in is consumed with it: a replayed callback URL finds none and is refused.
 */
export function takeCallback(location: Location = window.location, history: History = window.history): Callback | undefined {
  const params = new URLSearchParams(location.search);
  if (!params.has('state') || !(params.has('code') || params.has('error'))) return undefined;
  const pending = readJson<PendingSignIn>(window.sessionStorage, PENDING_KEY, isPending);
  removeItem(window.sessionStorage, PENDING_KEY);
  history.replaceState(null, '', `${location.pathname}${pending?.returnHash ?? location.hash}`);
  return { params, pending };
}

/** Reads the gateway's client config, finishes a sign-in coming back from the provider, and keeps the token fresh. */
export async function createSignIn(callback: Callback | undefined, options: SignInOptions): Promise<SignIn> {
  const fetchImpl = options.fetch ?? window.fetch.bind(window);
  const now = options.now ?? Date.now;
  const config = await readClientConfig(fetchImpl);
  const settings = config.signIn;
  const redirectUri = `${window.location.origin}${window.location.pathname}`;
  let tokens = settings ? readJson<StoredTokens>(window.localStorage, TOKENS_KEY, isTokens) : undefined;
  let refreshTimer: ReturnType<typeof setTimeout> | undefined;
  let server: Promise<oauth.AuthorizationServer> | undefined;

  const client: oauth.Client | undefined = settings ? { client_id: settings.clientId } : undefined;
  // allowInsecureRequests is deprecated to discourage it; it is only ever set for a loopback issuer (development).
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- see above
  const requestOptions = (issuer: URL) => ({ [oauth.customFetch]: fetchImpl, [oauth.allowInsecureRequests]: isLoopbackHttp(issuer) });

  function discover(signIn: SignInSettings): Promise<oauth.AuthorizationServer> {
    server ??= (async () => {
      const issuer = new URL(signIn.issuer);
      const response = await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...requestOptions(issuer) });
      return oauth.processDiscoveryResponse(issuer, response);
    })();
    server.catch(() => (server = undefined)); // a provider that was down is asked again next time
    return server;
  }

  function store(next: StoredTokens | undefined): void {
    tokens = next;
    clearTimeout(refreshTimer);
    refreshTimer = undefined;
    if (next) {
      writeItem(window.localStorage, TOKENS_KEY, JSON.stringify(next));
      scheduleRefresh(next);
    } else {
      removeItem(window.localStorage, TOKENS_KEY);
    }
  }

  function scheduleRefresh(current: StoredTokens): void {
    if (!current.refreshToken) return; // without one the token lasts its lifetime; the gateway then asks for a new sign-in
    const delay = Math.max(MIN_REFRESH_DELAY_MS, current.expiresAt - now() - REFRESH_MARGIN_MS, (current.expiresAt - now()) * 0.75);
    refreshTimer = setTimeout(
      () => {
        void refresh().then((ok) => {
          if (ok) options.onChange();
        });
      },
      Math.min(delay, 2 ** 31 - 1),
    );
  }

  /** The token endpoint's answer as stored tokens; the lifetime is measured from now, so the browser's clock does not matter. */
  function tokensFrom(result: oauth.TokenEndpointResponse, previousRefresh?: string): StoredTokens | undefined {
    const claims = oauth.getValidatedIdTokenClaims(result);
    if (!result.id_token || !claims) return undefined;
    const lifetimeMs = Math.max(0, (claims.exp - claims.iat) * 1000);
    const refreshToken = result.refresh_token ?? previousRefresh;
    return { idToken: result.id_token, expiresAt: now() + lifetimeMs, ...(refreshToken ? { refreshToken } : {}) };
  }

  async function refresh(): Promise<boolean> {
    const current = tokens;
    if (!settings || !client || !current?.refreshToken) return false;
    try {
      const as = await discover(settings);
      const response = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), current.refreshToken, requestOptions(new URL(settings.issuer)));
      const next = tokensFrom(await oauth.processRefreshTokenResponse(as, client, response), current.refreshToken);
      if (tokens !== current) return false; // signed out meanwhile
      if (!next) return false;
      store(next);
      return true;
    } catch {
      return false;
    }
  }

  async function finish(signIn: SignInSettings, oauthClient: oauth.Client, done: Callback): Promise<void> {
    if (!done.pending) throw new SignInProblem('This sign-in link was already used or was not started in this tab. Sign in again.');
    const as = await discover(signIn);
    // Checks the issuer and that `state` is the one this tab sent: a forged or swapped callback stops here.
    const params = oauth.validateAuthResponse(as, oauthClient, done.params, done.pending.state);
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      oauthClient,
      oauth.None(),
      params,
      redirectUri,
      done.pending.verifier,
      requestOptions(new URL(signIn.issuer)),
    );
    const result = await oauth.processAuthorizationCodeResponse(as, oauthClient, response, { expectedNonce: done.pending.nonce, requireIdToken: true });
    const next = tokensFrom(result);
    if (!next) throw new SignInProblem('The provider sent no id token.');
    store(next);
  }

  if (callback && settings && client) {
    try {
      await finish(settings, client, callback);
    } catch (error) {
      options.onError(signInFailure(error));
    }
  } else if (callback) {
    options.onError('Sign-in is not available on this canvas.');
  }
  if (tokens) scheduleRefresh(tokens);

  return {
    available: settings !== null,
    guestsAllowed: config.guests,
    idToken: () => tokens?.idToken,
    signedIn: () => tokens !== undefined,
    async start() {
      if (!settings || !client) return;
      const as = await discover(settings);
      if (!as.authorization_endpoint) throw new Error('the provider has no authorization endpoint');
      const pending: PendingSignIn = {
        state: oauth.generateRandomState(),
        nonce: oauth.generateRandomNonce(),
        verifier: oauth.generateRandomCodeVerifier(),
        returnHash: window.location.hash,
      };
      const url = new URL(as.authorization_endpoint);
      url.searchParams.set('client_id', settings.clientId);
      url.searchParams.set('redirect_uri', redirectUri);
      url.searchParams.set('response_type', 'code');
      url.searchParams.set('scope', settings.scope);
      url.searchParams.set('state', pending.state);
      url.searchParams.set('nonce', pending.nonce);
      url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(pending.verifier));
      url.searchParams.set('code_challenge_method', 'S256');
      writeItem(window.sessionStorage, PENDING_KEY, JSON.stringify(pending));
      window.location.assign(url.href);
    },
    signOut() {
      const refreshToken = tokens?.refreshToken;
      store(undefined);
      options.onChange();
      if (refreshToken && settings && client) {
        void discover(settings)
          .then((as) =>
            as.revocation_endpoint ? oauth.revocationRequest(as, client, oauth.None(), refreshToken, requestOptions(new URL(settings.issuer))) : undefined,
          )
          .catch(() => undefined); // the local sign-out stands either way
      }
    },
    refresh,
    drop() {
      store(undefined);
    },
  };
}

async function readClientConfig(fetchImpl: typeof fetch): Promise<ClientConfig> {
  try {
    // Bounded: the page connects only after this answer, and a guest must not wait on a stuck request.
    const response = await fetchImpl(CLIENT_CONFIG_PATH, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(CLIENT_CONFIG_TIMEOUT_MS) });
    if (!response.ok) return { signIn: null, guests: true };
    const body = (await response.json()) as Partial<ClientConfig>;
    const signIn = body.signIn;
    const valid = signIn && typeof signIn.issuer === 'string' && typeof signIn.clientId === 'string' && typeof signIn.scope === 'string';
    return { signIn: valid ? signIn : null, guests: body.guests !== false };
  } catch {
    return { signIn: null, guests: true }; // an older gateway: guests only, as before
  }
}

/** Plain http is allowed only for a provider on this machine (development and tests). */
function isLoopbackHttp(url: URL): boolean {
  return url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}

function signInFailure(error: unknown): string {
  if (error instanceof oauth.AuthorizationResponseError) {
    return error.error === 'access_denied' ? 'Sign-in was cancelled.' : 'The provider refused the sign-in. Try again.';
  }
  if (error instanceof oauth.ResponseBodyError) return 'The provider refused the sign-in (the link may have been used already). Try again.';
  if (error instanceof oauth.OperationProcessingError && /state/i.test(error.message)) return 'That sign-in answer did not match this tab. Sign in again.';
  if (error instanceof SignInProblem) return error.message;
  return 'Sign-in failed. Try again.'; // the provider unreachable, or an answer that failed a check
}

/** A failure whose message is written for the player. */
class SignInProblem extends Error {
  override readonly name = 'SignInProblem';
}

function isPending(value: unknown): value is PendingSignIn {
  const v = value as Record<string, unknown> | null | undefined;
  return typeof v?.state === 'string' && typeof v.nonce === 'string' && typeof v.verifier === 'string' && typeof v.returnHash === 'string';
}

function isTokens(value: unknown): value is StoredTokens {
  const v = value as Record<string, unknown> | null | undefined;
  return typeof v?.idToken === 'string' && typeof v.expiresAt === 'number' && (v.refreshToken === undefined || typeof v.refreshToken === 'string');
}

/** Storage may be blocked (private modes, sandboxed frames): then nothing survives a reload. */
function readJson<T>(storage: Storage, key: string, valid: (value: unknown) => value is T): T | undefined {
  try {
    const text = storage.getItem(key);
    if (text === null) return undefined;
    const value: unknown = JSON.parse(text);
    return valid(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
function writeItem(storage: Storage, key: string, value: string): void {
  try {
    storage.setItem(key, value);
  } catch {
    // blocked storage: this page only
  }
}
function removeItem(storage: Storage, key: string): void {
  try {
    storage.removeItem(key);
  } catch {
    // blocked storage
  }
}

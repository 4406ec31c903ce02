import {
  BARE_FRAMES,
  bareFrameParser,
  ErrorCode,
  isErrorCode,
  type CanvasConfig,
  type ChallengeSettings,
  type ClientToServerEvents,
  type PlacePayload,
  type PlaceResult,
  type ProofResult,
  type ServerToClientEvents,
  type Welcome,
  type WireFrame,
} from '@tessera/protocol';
import { io, type Socket } from 'socket.io-client';
import { ClientError } from './messages.js';

/** A placement's outcome as the player sees it: the server's answer or a client-side failure. */
export type PlaceOutcome = PlaceResult | { readonly ok: false; readonly error: ClientError; readonly retryAt?: undefined };

export type ConnectionState =
  /** Never connected yet; `failures` counts attempts that failed. */
  | { readonly kind: 'connecting'; readonly failures: number; readonly reason?: ErrorCode }
  /** Welcomed by a gateway: deltas flow. */
  | { readonly kind: 'live' }
  /** Was live, lost the connection, retrying. */
  | { readonly kind: 'reconnecting'; readonly reason?: ErrorCode }
  /** Not connected and not retrying on its own (banned), or the browser is offline. */
  | { readonly kind: 'offline'; readonly reason?: ErrorCode; readonly retrying: boolean };

export interface ConnectionHandlers {
  onState(state: ConnectionState): void;
  /** A (re)connection was welcomed: the owner refetches the canvas now, not before. */
  onWelcome(welcome: Welcome): void;
  onDelta(frame: WireFrame): void;
  onSync(frame: WireFrame): void;
  onConfig(config: CanvasConfig): void;
  /** The canvas was rewritten outside the event stream (restore, remap, resize): read it again. */
  onResync(): void;
  /** The server closed this connection for a reason to show (kicked). */
  onKicked(reason: ErrorCode): void;
  /**
   * The gateway lost (false) or regained (true) its Redis while this connection stays up: meanwhile
   * placements are refused CANVAS_UNAVAILABLE and the canvas cannot be read.
   */
  onCanvasStatus?(available: boolean): void;
  /** Players online across every gateway (on connection, then when it changes). */
  onPresence?(online: number): void;
  /**
   * The handshake's identity was refused: TOKEN_EXPIRED or UNAUTHORIZED for the id token sent, or
   * SIGN_IN_REQUIRED for a guest. The connection waits: the owner refreshes or drops the token (or
   * has the player sign in) and calls reauthenticate().
   */
  onAuthRefused?(reason: ErrorCode): void;
}

export interface TokenStore {
  get(): string | undefined;
  set(token: string): void;
  clear(): void;
}

export interface ConnectionOptions {
  /** Gateway origin (default: this page's origin). */
  readonly url?: string;
  /** Where the guest session token lives (default localStorage `tessera.session`). */
  readonly tokens?: TokenStore;
  /** How long a placement waits for its acknowledgement (default 5000 ms). */
  readonly placeTimeoutMs?: number;
  /** Failed first attempts before the state reads "offline" rather than "connecting" (default 3). */
  readonly offlineAfterFailures?: number;
  /** Solves the gateway's proof-of-work challenge when it asks for one (absent: never solved). */
  readonly challenge?: { solve(): Promise<string> };
  /** The signed-in player's id token, read at every attempt (default: none, a guest). */
  readonly idToken?: () => string | undefined;
  /** False: wait for connect() (e.g. until a sign-in is finished). Default true. */
  readonly autoConnect?: boolean;
  /** True for a view that is not a player (the admin page): never counted as a canvas load or as online. */
  readonly spectator?: boolean;
}

export interface Connection {
  readonly state: ConnectionState;
  place(payload: PlacePayload): Promise<PlaceOutcome>;
  /** Opens the connection when created with autoConnect false. */
  connect(): void;
  /** Connects again with the credentials as they are now (a new, refreshed or dropped id token). */
  reauthenticate(): void;
  close(): void;
}

const DEFAULTS = { placeTimeoutMs: 5000, offlineAfterFailures: 3 } as const;
export const SESSION_STORAGE_KEY = 'tessera.session';

/** localStorage, or memory when storage is blocked (private modes, sandboxed iframes). */
export function createTokenStore(key = SESSION_STORAGE_KEY): TokenStore {
  let memory: string | undefined;
  return {
    get() {
      try {
        return window.localStorage.getItem(key) ?? memory;
      } catch {
        return memory;
      }
    },
    set(token) {
      memory = token;
      try {
        window.localStorage.setItem(key, token);
      } catch {
        // memory only
      }
    },
    clear() {
      memory = undefined;
      try {
        window.localStorage.removeItem(key);
      } catch {
        // memory only
      }
    },
  };
}

/** How long to wait before trying again after the server refused or closed us for `reason`. */
function retryDelayMs(reason: ErrorCode | undefined, attempt: number): number {
  if (reason === ErrorCode.Draining) return 0; // another gateway takes us right away
  const base = reason === ErrorCode.TooManyConnections || reason === ErrorCode.RateLimited ? 10_000 : 1000;
  const capped = Math.min(base * 2 ** Math.min(attempt, 5), 60_000);
  return capped * (0.5 + Math.random() / 2); // jitter: a fleet of clients must not return in step
}

/**
 * The Socket.IO connection to a gateway: WebSocket only, the guest session token in `auth`,
 * reconnection after drops, drains and refusals, and placements with a timeout.
 */
export function createConnection(handlers: ConnectionHandlers, options: ConnectionOptions = {}): Connection {
  const tokens = options.tokens ?? createTokenStore();
  const placeTimeoutMs = options.placeTimeoutMs ?? DEFAULTS.placeTimeoutMs;
  const offlineAfter = options.offlineAfterFailures ?? DEFAULTS.offlineAfterFailures;

  const socketOptions = {
    path: '/socket.io/',
    transports: ['websocket'],
    // A function, so every attempt sends the token as it is now (it may have just been dropped).
    auth: (cb: (data: object) => void) => {
      const idToken = options.idToken?.();
      sentIdToken = idToken !== undefined;
      // A guest's session token rides along, so signing out later resumes the same guest.
      const token = tokens.get();
      // A solution is good once: it goes with the next attempt only.
      const altcha = handshakeProof;
      handshakeProof = undefined;
      // Until the first welcome, a connection is this page's load (the gateway counts canvas loads).
      cb({
        ...(token ? { token } : {}),
        ...(idToken ? { idToken } : {}),
        ...(altcha ? { altcha } : {}),
        ...(options.spectator ? { spectator: true } : everLive ? {} : { visit: true }),
        // Deltas and syncs as bare binary messages (bareFrameParser reads them): fewer bytes each.
        frames: BARE_FRAMES,
      });
    },
    parser: bareFrameParser,
    autoConnect: options.autoConnect ?? true,
    reconnectionDelay: 500,
    reconnectionDelayMax: 10_000,
    randomizationFactor: 0.5,
    timeout: 10_000,
  };
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = options.url === undefined ? io(socketOptions) : io(options.url, socketOptions);

  let state: ConnectionState = { kind: 'connecting', failures: 0 };
  let everLive = false;
  let failures = 0;
  /** Manual retries in a row (after refusals and kicks, which Socket.IO does not retry itself). */
  let manualAttempts = 0;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let banned = false;
  let closed = false;
  let droppedTokenAt = 0;
  /** A solved challenge for the next handshake (the gateway asked for one). */
  let handshakeProof: string | undefined;
  /** The challenge settings in force, and whether this connection was asked for a proof at all (it applies to us). */
  let challengeSettings: ChallengeSettings | undefined;
  let askedForProof = false;
  /** The proof being solved and sent, shared by a placement and the solve ahead. */
  let proving: Promise<boolean> | undefined;
  /** Whether the last handshake carried an id token (a refusal then concerns it, not the guest session). */
  let sentIdToken = false;
  /** Waiting for the owner after an identity refusal (onAuthRefused). */
  let awaitingAuth = false;
  let authRefusal: ErrorCode = ErrorCode.Unauthorized;

  function setState(next: ConnectionState): void {
    state = next;
    handlers.onState(next);
  }

  function notLive(reason: ErrorCode | undefined, retrying = true): void {
    if (banned) setState({ kind: 'offline', reason: ErrorCode.Banned, retrying: false });
    else if (awaitingAuth) setState({ kind: 'offline', reason: authRefusal, retrying: false });
    else if (typeof navigator !== 'undefined' && !navigator.onLine) setState({ kind: 'offline', retrying: true });
    else if (everLive) setState({ kind: 'reconnecting', ...(reason ? { reason } : {}) });
    else if (failures >= offlineAfter) setState({ kind: 'offline', retrying, ...(reason ? { reason } : {}) });
    else setState({ kind: 'connecting', failures, ...(reason ? { reason } : {}) });
  }

  /** Closes this connection (if open) and opens a new one after `delayMs`. */
  function reconnectAfter(delayMs: number): void {
    if (banned || closed || awaitingAuth) return;
    clearTimeout(retryTimer);
    if (socket.connected || socket.active) socket.disconnect();
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      if (!banned && !closed) socket.connect();
    }, delayMs);
  }

  socket.on('welcome', (welcome) => {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- the server's payload is checked, not trusted
    if (typeof welcome !== 'object' || welcome === null || typeof welcome.config !== 'object') return;
    if (typeof welcome.sessionToken === 'string' && welcome.sessionToken.length > 0) tokens.set(welcome.sessionToken);
    everLive = true;
    challengeSettings = welcome.config.challenge;
    askedForProof = false;
    failures = 0;
    manualAttempts = 0;
    setState({ kind: 'live' });
    handlers.onWelcome(welcome);
  });
  socket.on('delta', (frame) => handlers.onDelta(frame));
  socket.on('sync', (frame) => handlers.onSync(frame));
  socket.on('resync', () => handlers.onResync());
  socket.on('canvas-status', (status) => {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- the server's payload is checked, not trusted
    if (typeof status === 'object' && status !== null && typeof status.available === 'boolean') handlers.onCanvasStatus?.(status.available);
  });
  socket.on('presence', (presence) => {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- the server's payload is checked, not trusted
    const online = typeof presence === 'object' && presence !== null ? presence.online : undefined;
    if (typeof online === 'number' && Number.isSafeInteger(online) && online >= 0) handlers.onPresence?.(online);
  });
  socket.on('config', (config) => {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- the server's payload is checked, not trusted
    if (typeof config !== 'object' || config === null) return;
    challengeSettings = config.challenge;
    handlers.onConfig(config);
  });
  socket.on('draining', () => {
    // The load balancer hands the new connection to another gateway; nothing to wait for.
    notLive(ErrorCode.Draining);
    reconnectAfter(0);
  });
  socket.on('kicked', (reason) => {
    const code = isErrorCode(reason) ? reason : ErrorCode.Internal;
    handlers.onKicked(code);
    if (code === ErrorCode.Banned) {
      // A banned player keeps watching: the gateway welcomes them back read-only, saying why.
      notLive(code);
      reconnectAfter(0);
      return;
    }
    notLive(code);
    reconnectAfter(retryDelayMs(code, manualAttempts++));
  });

  socket.on('connect_error', (err) => {
    failures++;
    const code = isErrorCode(err.message) ? err.message : undefined;
    if (socket.active) {
      // A transport failure (gateway down, network): Socket.IO retries with its own backoff.
      notLive(code);
      return;
    }
    // Refused by the server's middleware: Socket.IO leaves the retry to us.
    if (
      handlers.onAuthRefused &&
      (code === ErrorCode.SignInRequired || (sentIdToken && (code === ErrorCode.TokenExpired || code === ErrorCode.Unauthorized)))
    ) {
      awaitingAuth = true;
      authRefusal = code;
      clearTimeout(retryTimer);
      notLive(code, false);
      handlers.onAuthRefused(code);
      return;
    }
    // A gateway from before read-only bans refuses a banned player outright.
    if (code === ErrorCode.Banned) {
      banned = true;
      handlers.onKicked(code);
      notLive(code, false);
      return;
    }
    if (code !== undefined && CHALLENGE_CODES.has(code) && options.challenge) {
      // The gateway asks for a proof of work in the handshake (or refused a stale one): solve, retry.
      notLive(code);
      const solving = options.challenge.solve();
      solving.then(
        (payload) => {
          handshakeProof = payload;
          // At once the first time; a gateway that keeps refusing good solutions gets the usual backoff.
          const attempt = manualAttempts++;
          reconnectAfter(attempt === 0 ? 0 : retryDelayMs(code, attempt));
        },
        () => reconnectAfter(retryDelayMs(code, manualAttempts++)),
      );
      return;
    }
    if (code === ErrorCode.Unauthorized) {
      // The stored session is unknown or forged: drop it and come back as a new guest. If it
      // happens again at once (no token to blame), back off like any other refusal.
      const hadToken = tokens.get() !== undefined;
      tokens.clear();
      notLive(code);
      if (hadToken && Date.now() - droppedTokenAt > 5000) {
        droppedTokenAt = Date.now();
        reconnectAfter(0);
      } else {
        reconnectAfter(retryDelayMs(code, manualAttempts++));
      }
      return;
    }
    notLive(code);
    reconnectAfter(retryDelayMs(code, manualAttempts++));
  });

  socket.on('disconnect', (reason) => {
    if (closed) return;
    notLive(undefined, !banned);
    // The server closed us without a kick (e.g. it restarts): Socket.IO does not retry that itself.
    if (reason === 'io server disconnect' && retryTimer === undefined) reconnectAfter(retryDelayMs(undefined, manualAttempts++));
  });

  if (typeof window !== 'undefined') {
    window.addEventListener('offline', () => {
      if (!socket.connected) notLive(undefined);
    });
    window.addEventListener('online', () => {
      if (socket.connected || banned || closed || awaitingAuth) return;
      notLive(undefined);
      clearTimeout(retryTimer);
      retryTimer = undefined;
      socket.connect();
    });
  }

  return {
    get state() {
      return state;
    },
    async place(payload) {
      if (proving) await proving; // the proof solved ahead is on its way: place once it has landed
      const first = await placeOnce(payload);
      if (first.ok || first.error !== ErrorCode.ChallengeRequired || !options.challenge) return solveAhead(first);
      // Asked for a proof of work (switched on live, or one per placement): solve, prove, place again.
      askedForProof = true;
      return (await provide()) ? solveAhead(await placeOnce(payload)) : first;
    },
    connect() {
      if (!closed && !socket.connected && !socket.active) socket.connect();
    },
    reauthenticate() {
      if (closed) return;
      awaitingAuth = false;
      banned = false;
      manualAttempts = 0;
      reconnectAfter(0);
    },
    close() {
      closed = true;
      clearTimeout(retryTimer);
      socket.disconnect();
    },
  };

  /** Solves a challenge and sends it as a `proof`; true when the gateway accepted it. */
  function provide(): Promise<boolean> {
    const solver = options.challenge;
    if (!solver) return Promise.resolve(false);
    proving ??= solver
      .solve()
      .then(prove, () => undefined)
      .then((result) => result?.ok === true)
      .finally(() => {
        proving = undefined;
      });
    return proving;
  }

  /**
   * One proof per placement: after an accepted one, the next proof is solved and sent during the
   * cooldown (the gateway keeps one credit on the socket), so the next placement waits for nothing.
   */
  function solveAhead(outcome: PlaceOutcome): PlaceOutcome {
    if (outcome.ok && askedForProof && challengeSettings?.at === 'placement' && challengeSettings.mode !== 'off') void provide();
    return outcome;
  }

  function prove(proof: string): Promise<ProofResult | undefined> {
    if (!socket.connected) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      socket.timeout(placeTimeoutMs).emit('proof', proof, (err: Error | null, result: ProofResult) => resolve(err ? undefined : result));
    });
  }

  function placeOnce(payload: PlacePayload): Promise<PlaceOutcome> {
    if (!socket.connected || state.kind !== 'live') return Promise.resolve({ ok: false, error: ClientError.Offline });
    return new Promise<PlaceOutcome>((resolve) => {
      socket.timeout(placeTimeoutMs).emit('place', payload, (err: Error | null, result: PlaceResult) => {
        if (err) resolve({ ok: false, error: ClientError.NoAnswer });
        else if (isPlaceResult(result)) resolve(result);
        else resolve({ ok: false, error: ErrorCode.Internal });
      });
    });
  }
}

/** Handshake refusals a freshly solved challenge answers. */
const CHALLENGE_CODES: ReadonlySet<string> = new Set([
  ErrorCode.ChallengeRequired,
  ErrorCode.ChallengeExpired,
  ErrorCode.ChallengeReplayed,
  ErrorCode.ChallengeForged,
  ErrorCode.ChallengeMalformed,
  ErrorCode.ChallengeAlgorithm,
]);

function isPlaceResult(value: unknown): value is PlaceResult {
  if (typeof value !== 'object' || value === null) return false;
  const result = value as Record<string, unknown>;
  if (result.ok === true) return typeof result.nextAt === 'number';
  return result.ok === false && isErrorCode(result.error);
}

import { fileURLToPath } from 'node:url';
import { ADMIN_LIMITS, DEFAULT_PALETTE, LIMITS, paletteProblem } from '@tessera/protocol';
import { EnvReader, readCommonConfig, type CommonConfig, type Env } from '@tessera/runtime';
import type { CanvasDefaults } from '@tessera/store';
import { readAdminSettings, type AdminSettings } from './admin/admin-settings.js';
import { readChallengeSettings, type ChallengeIssuerSettings } from './challenge/challenge-settings.js';
import { readHistorySettings, type HistorySettings } from './history-settings.js';
import { canonicalOrigin } from './origin-policy.js';

export const GATEWAY_DEFAULTS = {
  /** HTTP and WebSocket port. */
  port: 8080,
  /** Unset: /metrics on `port`. Set: /metrics only on this port, kept off the public one. */
  metricsPort: undefined as number | undefined,
  host: '0.0.0.0',
  /**
   * `create`: write the canvas config from the defaults when missing; `wait`: let the snapshotter
   * do it. `create` without a snapshotter; `wait` when one serves the canvas (SNAPSHOTS_ENABLED),
   * so a gateway starting after a Redis wipe does not create an empty canvas before the restore
   * (the snapshotter creates it from its CANVAS_* defaults when S3 holds no snapshot either).
   */
  canvasBootstrap: 'create',
  canvasBootstrapWithSnapshots: 'wait',
  canvasWidth: 1000,
  canvasHeight: 1000,
  /** Five minutes, as r/place. */
  canvasCooldownMs: 300_000,
  /** Approximate cap on the event stream length. */
  streamMaxLength: 1_000_000,
  /**
   * The least STREAM_MAX_LEN: room for two of the largest admin erases (ADMIN_LIMITS.maxRegionPixels
   * events each) on top of what the writer has not read yet. Below it one erase trims events no
   * delta carried yet, and every client has to re-read the canvas.
   */
  minStreamMaxLength: 2 * ADMIN_LIMITS.maxRegionPixels,
  /**
   * Replicas that must hold a placement before it is acknowledged: one behind Sentinel, whose
   * failover promotes a replica (without WAIT it may lack the newest acknowledged pixels), none
   * otherwise. A cluster with replicas should set PLACEMENT_REPLICAS=1 too.
   */
  placementReplicasWithSentinel: 1,
  placementReplicas: 0,
  /** How long a placement waits for those replicas before it is answered OUTCOME_UNKNOWN. */
  placementReplicaTimeoutMs: 250,
  /** Reverse-proxy hops trusted for X-Forwarded-For. */
  trustProxyHops: 0,
  /** Many players at a venue share one NAT address. */
  maxSocketsPerIp: 50,
  /** Sustained place events per socket per second. */
  placeRatePerSec: 10,
  /** Token bucket size for place events. */
  placeBurst: 20,
  /** IPv6 clients are one address per prefix of this length (a host is routed a whole /64). */
  ipv6PrefixLength: 64,
  /** New guest sessions one address may start per window (a venue NAT starts a few hundred an hour). */
  guestSessionsPerAddress: 300,
  /** The guest session window: one hour. */
  guestSessionWindowMs: 3_600_000,
  /** Sustained place events per address per second on one gateway, across all its sockets. */
  placeRatePerAddressPerSec: 20,
  /** Token bucket size for one address's place events on one gateway. */
  placeBurstPerAddress: 40,
  /** How long one compressed canvas read is served before Redis is asked again. */
  canvasCacheMs: 1_000,
  /** How long SIGTERM spreads socket disconnections over. */
  shutdownDrainMs: 10_000,
  /** How often the gateway reports its players online (and flushes its canvas loads); a report lapses after 3 of these. */
  presenceIntervalMs: 5_000,
  /** Clock skew allowed on an identity token's `exp`/`nbf`/`iat`: small, so an expired token stays expired. */
  jwtClockSkewMs: 30_000,
  /** Scopes the web client asks the identity provider for (`offline_access` too where it issues refresh tokens only then). */
  oidcScope: 'openid profile',
  /** `allowed`: anyone plays as a guest; `refused`: only signed-in players connect. */
  guests: 'allowed',
  /** Public pixel lookups (who placed this) per address per minute on one gateway. */
  pixelLookupPerMin: 120,
  /** Built web client, relative to this package. */
  webRoot: fileURLToPath(new URL('../../web/dist/', import.meta.url)),
} as const;

export interface GatewayConfig extends CommonConfig {
  readonly port: number;
  /** When set, /metrics (with /healthz and /readyz) is served on this port only. */
  readonly metricsPort: number | undefined;
  readonly host: string;
  readonly sessionSecret: string;
  readonly canvasBootstrap: 'create' | 'wait';
  readonly canvasDefaults: CanvasDefaults;
  readonly streamMaxLength: number;
  /** Replicas that hold a placement before it is acknowledged (WAIT after each batch; 0: none). */
  readonly placementReplicas: number;
  readonly placementReplicaTimeoutMs: number;
  readonly trustProxyHops: number;
  readonly maxSocketsPerIp: number;
  readonly placeRatePerSec: number;
  readonly placeBurst: number;
  readonly ipv6PrefixLength: number;
  readonly guestSessionsPerAddress: number;
  readonly guestSessionWindowMs: number;
  readonly placeRatePerAddressPerSec: number;
  readonly placeBurstPerAddress: number;
  readonly canvasCacheMs: number;
  readonly shutdownDrainMs: number;
  readonly presenceIntervalMs: number;
  readonly corsOrigins: readonly string[];
  readonly pixelLookupPerMin: number;
  /** Empty: serve no web client. */
  readonly webRoot: string;
  /** Set only with all of AUTH_JWKS_URL, AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE (a shared key set signs other projects' tokens too). */
  readonly jwt: JwtConfig | undefined;
  /** Admin API: credentials, rate limit, snapshots (defaults in admin/admin-settings.ts). */
  readonly admin: AdminSettings;
  /** Proof-of-work challenges: key, difficulty, expiry (defaults in challenge/challenge-settings.ts). */
  readonly challenge: ChallengeIssuerSettings;
  /** What the web client signs in with (AUTH_OIDC_CLIENT_ID, with the JWT settings); undefined: no sign-in button. */
  readonly signIn: SignInConfig | undefined;
  /** False with AUTH_GUESTS=refused: a handshake without an identity token is refused SIGN_IN_REQUIRED. */
  readonly guestsAllowed: boolean;
  /** The players' history viewer: where to read the archive; undefined when HISTORY_S3_BUCKET is unset. */
  readonly history: HistorySettings | undefined;
}

export interface SignInConfig {
  readonly issuer: string;
  readonly clientId: string;
  readonly scope: string;
}

export interface JwtConfig {
  readonly jwksUrl: string;
  readonly issuer: string;
  readonly audience: string;
  readonly clockSkewMs: number;
}

/** Reads and validates the gateway's environment; throws one ConfigError naming every bad variable. */
export function loadGatewayConfig(env: Env): GatewayConfig {
  const reader = new EnvReader(env);
  const common = readCommonConfig(reader);
  const sessionSecret = reader.required('SESSION_SECRET', (value) => (value.length < 32 ? 'must be at least 32 characters' : undefined));
  const palette = reader.list('CANVAS_PALETTE', DEFAULT_PALETTE).map((color) => color.toLowerCase());
  const problem = paletteProblem(palette);
  if (problem) reader.problem(`CANVAS_PALETTE ${problem}`);
  const jwksUrl = reader.optionalString('AUTH_JWKS_URL');
  if (jwksUrl && !/^https?:\/\//.test(jwksUrl)) reader.problem('AUTH_JWKS_URL must be an http(s) URL');
  const jwt = readJwtConfig(reader, jwksUrl);
  const signIn = readSignInConfig(reader, jwt);
  const guestsAllowed = reader.oneOf('AUTH_GUESTS', ['allowed', 'refused'] as const, GATEWAY_DEFAULTS.guests) === 'allowed';
  if (!guestsAllowed && !jwt) reader.problem('AUTH_GUESTS=refused needs AUTH_JWKS_URL, AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE (nobody could connect)');
  // Before the rest: whether a snapshotter serves the canvas decides CANVAS_BOOTSTRAP's default.
  const admin = readAdminSettings(reader);
  const config: GatewayConfig = {
    ...common,
    port: reader.port('PORT', GATEWAY_DEFAULTS.port),
    metricsPort:
      reader.optionalString('METRICS_PORT') === undefined ? GATEWAY_DEFAULTS.metricsPort : reader.integer('METRICS_PORT', 0, { min: 1, max: 65_535 }),
    host: reader.string('HOST', GATEWAY_DEFAULTS.host),
    sessionSecret,
    canvasBootstrap: reader.oneOf(
      'CANVAS_BOOTSTRAP',
      ['create', 'wait'] as const,
      admin.snapshotsEnabled ? GATEWAY_DEFAULTS.canvasBootstrapWithSnapshots : GATEWAY_DEFAULTS.canvasBootstrap,
    ),
    canvasDefaults: {
      width: reader.integer('CANVAS_WIDTH', GATEWAY_DEFAULTS.canvasWidth, { min: LIMITS.minCanvasSide, max: LIMITS.maxCanvasSide }),
      height: reader.integer('CANVAS_HEIGHT', GATEWAY_DEFAULTS.canvasHeight, { min: LIMITS.minCanvasSide, max: LIMITS.maxCanvasSide }),
      palette,
      cooldownMs: reader.integer('CANVAS_COOLDOWN_MS', GATEWAY_DEFAULTS.canvasCooldownMs, { min: 0, max: LIMITS.maxCooldownMs }),
    },
    streamMaxLength: reader.integer('STREAM_MAX_LEN', GATEWAY_DEFAULTS.streamMaxLength, { min: GATEWAY_DEFAULTS.minStreamMaxLength }),
    placementReplicas: reader.integer(
      'PLACEMENT_REPLICAS',
      common.redis.sentinels.length > 0 ? GATEWAY_DEFAULTS.placementReplicasWithSentinel : GATEWAY_DEFAULTS.placementReplicas,
      { min: 0, max: 16 },
    ),
    placementReplicaTimeoutMs: reader.integer('PLACEMENT_REPLICA_TIMEOUT_MS', GATEWAY_DEFAULTS.placementReplicaTimeoutMs, { min: 1, max: 10_000 }),
    trustProxyHops: reader.integer('TRUST_PROXY', GATEWAY_DEFAULTS.trustProxyHops, { min: 0, max: 10 }),
    maxSocketsPerIp: reader.integer('MAX_SOCKETS_PER_IP', GATEWAY_DEFAULTS.maxSocketsPerIp, { min: 1 }),
    placeRatePerSec: reader.integer('PLACE_RATE_PER_SEC', GATEWAY_DEFAULTS.placeRatePerSec, { min: 1, max: 10_000 }),
    placeBurst: reader.integer('PLACE_BURST', GATEWAY_DEFAULTS.placeBurst, { min: 1, max: 100_000 }),
    ipv6PrefixLength: reader.integer('IPV6_PREFIX_LENGTH', GATEWAY_DEFAULTS.ipv6PrefixLength, { min: 32, max: 128 }),
    guestSessionsPerAddress: reader.integer('GUEST_SESSIONS_PER_ADDRESS', GATEWAY_DEFAULTS.guestSessionsPerAddress, { min: 1, max: 10_000_000 }),
    guestSessionWindowMs: reader.integer('GUEST_SESSION_WINDOW_MS', GATEWAY_DEFAULTS.guestSessionWindowMs, { min: 100, max: 604_800_000 }),
    placeRatePerAddressPerSec: reader.integer('PLACE_RATE_PER_ADDRESS_PER_SEC', GATEWAY_DEFAULTS.placeRatePerAddressPerSec, { min: 1, max: 100_000 }),
    placeBurstPerAddress: reader.integer('PLACE_BURST_PER_ADDRESS', GATEWAY_DEFAULTS.placeBurstPerAddress, { min: 1, max: 1_000_000 }),
    canvasCacheMs: reader.integer('CANVAS_CACHE_MS', GATEWAY_DEFAULTS.canvasCacheMs, { min: 0, max: 60_000 }),
    shutdownDrainMs: reader.integer('SHUTDOWN_DRAIN_MS', GATEWAY_DEFAULTS.shutdownDrainMs, { min: 0, max: 600_000 }),
    presenceIntervalMs: reader.integer('PRESENCE_INTERVAL_MS', GATEWAY_DEFAULTS.presenceIntervalMs, { min: 100, max: 60_000 }),
    corsOrigins: readCorsOrigins(reader),
    pixelLookupPerMin: reader.integer('PIXEL_LOOKUP_PER_MIN', GATEWAY_DEFAULTS.pixelLookupPerMin, { min: 1, max: 1_000_000 }),
    webRoot: env.WEB_ROOT === undefined ? GATEWAY_DEFAULTS.webRoot : env.WEB_ROOT.trim(),
    jwt,
    admin,
    challenge: readChallengeSettings(reader, sessionSecret),
    signIn,
    guestsAllowed,
    history: readHistorySettings(reader),
  };
  if (config.metricsPort !== undefined && config.metricsPort === config.port && config.port !== 0) {
    reader.problem('METRICS_PORT must differ from PORT');
  }
  reader.finish();
  return Object.freeze(config);
}

/**
 * Firebase and Google sign every project's tokens with one shared key set, so a JWKS alone proves
 * nothing about who the token is for: without both the issuer and the audience it must name, the
 * gateway refuses to start rather than accept anyone's token.
 */
function readJwtConfig(reader: EnvReader, jwksUrl: string | undefined): JwtConfig | undefined {
  const issuer = reader.optionalString('AUTH_JWT_ISSUER');
  const audience = reader.optionalString('AUTH_JWT_AUDIENCE');
  const clockSkewMs = reader.integer('AUTH_JWT_CLOCK_SKEW_MS', GATEWAY_DEFAULTS.jwtClockSkewMs, { min: 0, max: 300_000 });
  if (!jwksUrl) return undefined;
  if (issuer && audience) return { jwksUrl, issuer, audience, clockSkewMs };
  const missing = [issuer ? undefined : 'AUTH_JWT_ISSUER', audience ? undefined : 'AUTH_JWT_AUDIENCE'].filter((name) => name !== undefined);
  reader.problem(`${missing.join(' and ')} must be set with AUTH_JWKS_URL (a key set alone accepts tokens minted for any project it signs for)`);
  return undefined;
}

/**
 * The web client signs in with the authorization code flow and PKCE at the issuer the gateway
 * trusts, as a public client whose id is the audience of its id tokens (the default).
 */
function readSignInConfig(reader: EnvReader, jwt: JwtConfig | undefined): SignInConfig | undefined {
  const clientId = reader.optionalString('AUTH_OIDC_CLIENT_ID');
  const scope = reader.string('AUTH_OIDC_SCOPE', GATEWAY_DEFAULTS.oidcScope);
  if (!scope.split(/\s+/).includes('openid')) reader.problem('AUTH_OIDC_SCOPE must include openid');
  if (clientId === undefined) return undefined;
  if (!/^[\x21-\x7e]{1,255}$/.test(clientId)) reader.problem('AUTH_OIDC_CLIENT_ID must be 1 to 255 printable characters without spaces');
  if (!jwt) {
    reader.problem('AUTH_OIDC_CLIENT_ID needs AUTH_JWKS_URL, AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE (the gateway must verify the tokens the client gets)');
    return undefined;
  }
  if (!/^https?:\/\//.test(jwt.issuer))
    reader.problem('AUTH_JWT_ISSUER must be an http(s) URL when AUTH_OIDC_CLIENT_ID is set (the client discovers the provider from it)');
  return { issuer: jwt.issuer, clientId, scope };
}

/** `*` or `scheme://host[:port]` entries: a path or a typo would silently allow nothing. */
function readCorsOrigins(reader: EnvReader): string[] {
  const origins = reader.list('CORS_ORIGINS');
  const bad = origins.filter((origin) => origin !== '*' && canonicalOrigin(origin) === undefined);
  if (bad.length > 0)
    reader.problem(`CORS_ORIGINS must hold * or http(s) origins without a path, got ${bad.map((origin) => JSON.stringify(origin)).join(', ')}`);
  return origins;
}

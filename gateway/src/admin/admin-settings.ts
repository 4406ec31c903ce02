import type { EnvReader } from '@tessera/runtime';

export const ADMIN_DEFAULTS = {
  /** JWT claim holding the roles (a string or an array of strings; dots reach into objects). */
  jwtRoleClaim: 'roles',
  /** Role a JWT must carry in that claim to be an admin. */
  jwtRole: 'tessera-admin',
  /** Admin requests per minute per credential (token bucket of the same size). */
  ratePerMin: 120,
  /** Whether a snapshotter serves snapshot jobs for this canvas (else the snapshot endpoints answer 503). */
  snapshotsEnabled: false,
  /** How long a snapshot job may take before the endpoint answers 503. */
  snapshotTimeoutMs: 30_000,
} as const;

/** Shortest admin token: 24 characters of base64 are 144 bits, far beyond guessing. */
export const MIN_ADMIN_TOKEN_LENGTH = 24;

export interface AdminToken {
  readonly name: string;
  readonly token: string;
}

export interface AdminSettings {
  /** From ADMIN_TOKENS: `name:token` pairs, or bare tokens named admin-1, admin-2… */
  readonly tokens: readonly AdminToken[];
  readonly jwtRoleClaim: string;
  readonly jwtRole: string;
  readonly ratePerMin: number;
  readonly snapshotsEnabled: boolean;
  readonly snapshotTimeoutMs: number;
}

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const TOKEN = /^[\x21-\x7e]+$/;

/** Parses ADMIN_TOKENS; problems never quote a token. */
export function parseAdminTokens(value: readonly string[]): { tokens: AdminToken[]; problems: string[] } {
  const tokens: AdminToken[] = [];
  const problems: string[] = [];
  value.forEach((item, index) => {
    const colon = item.indexOf(':');
    const named = colon > 0 && NAME.test(item.slice(0, colon));
    const name = named ? item.slice(0, colon) : `admin-${index + 1}`;
    const token = named ? item.slice(colon + 1) : item;
    if (!TOKEN.test(token)) problems.push(`ADMIN_TOKENS entry ${index + 1} (${name}) holds a space or a non-ASCII character`);
    else if (token.length < MIN_ADMIN_TOKEN_LENGTH)
      problems.push(`ADMIN_TOKENS entry ${index + 1} (${name}) is shorter than ${MIN_ADMIN_TOKEN_LENGTH} characters`);
    if (tokens.some((other) => other.name === name)) problems.push(`ADMIN_TOKENS names ${name} twice`);
    if (tokens.some((other) => other.token === token)) problems.push(`ADMIN_TOKENS entry ${index + 1} (${name}) repeats another entry's token`);
    tokens.push({ name, token });
  });
  return { tokens, problems };
}

/** Reads the admin variables (ADMIN_*, SNAPSHOTS_*) into the gateway's config. */
export function readAdminSettings(reader: EnvReader): AdminSettings {
  const { tokens, problems } = parseAdminTokens(reader.list('ADMIN_TOKENS'));
  problems.forEach((problem) => reader.problem(problem));
  return Object.freeze({
    tokens: Object.freeze(tokens),
    jwtRoleClaim: reader.string('ADMIN_JWT_ROLE_CLAIM', ADMIN_DEFAULTS.jwtRoleClaim),
    jwtRole: reader.string('ADMIN_JWT_ROLE', ADMIN_DEFAULTS.jwtRole),
    ratePerMin: reader.integer('ADMIN_RATE_PER_MIN', ADMIN_DEFAULTS.ratePerMin, { min: 1, max: 100_000 }),
    snapshotsEnabled: reader.boolean('SNAPSHOTS_ENABLED', ADMIN_DEFAULTS.snapshotsEnabled),
    snapshotTimeoutMs: reader.integer('SNAPSHOT_JOB_TIMEOUT_MS', ADMIN_DEFAULTS.snapshotTimeoutMs, { min: 100, max: 600_000 }),
  });
}

import { createHash, timingSafeEqual } from 'node:crypto';
import type { AdminIdentity } from '@tessera/protocol';
import type { JwtVerifier } from '../jwt-verifier.js';
import type { AdminToken } from './admin-settings.js';

export type AdminAuthResult =
  | { readonly ok: true; readonly admin: AdminIdentity }
  /** 401: no credential, or not a valid one. 403: a valid credential without the admin role. */
  | { readonly ok: false; readonly status: 401 | 403 };

export interface AdminAuthenticator {
  /** Judges an `Authorization` header value. */
  authenticate(authorization: string | undefined): Promise<AdminAuthResult>;
}

export interface AdminAuthOptions {
  readonly tokens: readonly AdminToken[];
  /** The players' JWT verifier (AUTH_JWKS_URL); undefined: JWTs are not accepted. */
  readonly jwt: JwtVerifier | undefined;
  readonly roleClaim: string;
  readonly role: string;
}

const BEARER = /^Bearer ([\x21-\x7e]{1,8192})$/i;
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * Admin credentials: a static token from ADMIN_TOKENS, or a player JWT (same JWKS, issuer and
 * audience) whose role claim holds the admin role. Tokens are compared as SHA-256 digests with
 * timingSafeEqual, against every configured token, so neither a token's content nor its length
 * nor which entry matched shows in the timing.
 */
export function createAdminAuthenticator(options: AdminAuthOptions): AdminAuthenticator {
  const known = options.tokens.map(({ name, token }) => ({ name, digest: digest(token) }));
  return {
    async authenticate(authorization) {
      const match = authorization === undefined ? null : BEARER.exec(authorization.trim());
      if (!match) return { ok: false, status: 401 };
      const credential = match[1]!;
      const given = digest(credential);
      let name: string | undefined;
      for (const entry of known) {
        // No early exit: every entry is compared whatever matched.
        if (timingSafeEqual(entry.digest, given) && name === undefined) name = entry.name;
      }
      if (name !== undefined) return { ok: true, admin: { name, via: 'token' } };
      if (!options.jwt || !JWT_SHAPE.test(credential)) return { ok: false, status: 401 };
      const claims = await options.jwt.claims(credential);
      if (!claims || typeof claims.sub !== 'string' || claims.sub === '') return { ok: false, status: 401 };
      if (!hasRole(claimAt(claims, options.roleClaim), options.role)) return { ok: false, status: 403 };
      return { ok: true, admin: { name: `jwt:${claims.sub}`, via: 'jwt' } };
    },
  };
}

/** The claim at a dotted path (`realm_access.roles` as Keycloak puts it). */
function claimAt(claims: Record<string, unknown>, path: string): unknown {
  let value: unknown = claims;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** A role claim is a string (one role, or several separated by spaces, as `scope`) or an array. */
function hasRole(claim: unknown, role: string): boolean {
  if (typeof claim === 'string') return claim.split(' ').includes(role);
  return Array.isArray(claim) && claim.includes(role);
}

import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import { ErrorCode, LIMITS } from '@tessera/protocol';
import type { JwtConfig } from './config.js';
import { displayNameOf } from './display-name.js';

/** A player's account as a valid identity token names it. */
export type TokenCheck =
  | { readonly ok: true; readonly userId: string; readonly displayName?: string }
  | { readonly ok: false; readonly error: typeof ErrorCode.Unauthorized | typeof ErrorCode.TokenExpired };

/** Verifies identity-provider JWTs (Firebase, Auth0, Google, any OIDC) against the provider's JWKS. */
export interface JwtVerifier {
  /** The account's user id (`sub`, prefixed), or undefined when the token is not valid. */
  verify(token: unknown): Promise<string | undefined>;
  /** Like verify, and says why a token is refused (expired or not valid) and the player's display name. */
  check(token: unknown): Promise<TokenCheck>;
  /** All claims of a valid token (the admin API reads its role claim), or undefined. */
  claims(token: unknown): Promise<JWTPayload | undefined>;
}

/**
 * A token is valid only when signed by the key set, issued by `issuer`, for `audience`, and not
 * expired (`exp` is required: a token without one would be valid forever once leaked), judged
 * with at most `clockSkewMs` of tolerance.
 */
export function createJwtVerifier(options: JwtConfig): JwtVerifier {
  // jose caches the key set and refetches it on an unknown `kid`, with its own cooldown.
  const keys = createRemoteJWKSet(new URL(options.jwksUrl));
  /** The claims, or why there are none: an expired token is told apart so the client refreshes it. */
  async function verified(token: unknown): Promise<{ readonly payload: JWTPayload } | Extract<TokenCheck, { ok: false }>> {
    if (typeof token !== 'string' || token.length > LIMITS.maxIdTokenLength) return { ok: false, error: ErrorCode.Unauthorized };
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer: options.issuer,
        audience: options.audience,
        requiredClaims: ['exp'],
        clockTolerance: options.clockSkewMs / 1000,
      });
      return { payload };
    } catch (error) {
      // jose checks the signature before the claims, so "expired" is said of genuine tokens only.
      return { ok: false, error: error instanceof errors.JWTExpired ? ErrorCode.TokenExpired : ErrorCode.Unauthorized };
    }
  }
  async function check(token: unknown): Promise<TokenCheck> {
    const result = await verified(token);
    if (!('payload' in result)) return result;
    const { payload } = result;
    if (typeof payload.sub !== 'string' || payload.sub === '') return { ok: false, error: ErrorCode.Unauthorized };
    const userId = `a_${payload.sub}`;
    if (userId.length > LIMITS.maxUserIdLength) return { ok: false, error: ErrorCode.Unauthorized };
    const displayName = displayNameOf(payload);
    return displayName === undefined ? { ok: true, userId } : { ok: true, userId, displayName };
  }
  return {
    check,
    async claims(token) {
      const result = await verified(token);
      return 'payload' in result ? result.payload : undefined;
    },
    async verify(token) {
      const result = await check(token);
      return result.ok ? result.userId : undefined;
    },
  };
}

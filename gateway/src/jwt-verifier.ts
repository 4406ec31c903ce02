import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { LIMITS } from '@tessera/protocol';
import type { JwtConfig } from './config.js';

/** Verifies identity-provider JWTs (Firebase, Auth0, Google, any OIDC) against the provider's JWKS. */
export interface JwtVerifier {
  /** The account's user id (`sub`, prefixed), or undefined when the token is not valid. */
  verify(token: unknown): Promise<string | undefined>;
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
  async function claims(token: unknown): Promise<JWTPayload | undefined> {
    if (typeof token !== 'string' || token.length > 8_192) return undefined;
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer: options.issuer,
        audience: options.audience,
        requiredClaims: ['exp'],
        clockTolerance: options.clockSkewMs / 1000,
      });
      return payload;
    } catch {
      return undefined;
    }
  }
  return {
    claims,
    async verify(token) {
      const payload = await claims(token);
      if (typeof payload?.sub !== 'string' || payload.sub === '') return undefined;
      const userId = `a_${payload.sub}`;
      return userId.length <= LIMITS.maxUserIdLength ? userId : undefined;
    },
  };
}

import { ErrorCode } from '@tessera/protocol';
import type { JwtVerifier } from './jwt-verifier.js';
import type { SessionTokens } from './session-tokens.js';

export type Identity =
  | {
      readonly ok: true;
      readonly userId: string;
      readonly guest: boolean;
      readonly newSessionToken?: string;
      /** A signed-in player's name from their token. */
      readonly displayName?: string;
    }
  | { readonly ok: false; readonly error: ErrorCode };

/**
 * Who a handshake belongs to. `auth.idToken` (an identity provider's JWT) makes an account;
 * `auth.token` (a guest session we signed) resumes a guest; nothing at all starts a new guest.
 * A token that is present but invalid is refused rather than silently replaced, so a client
 * with a stale token learns it and can drop it (an expired one is told apart: TOKEN_EXPIRED).
 * Without `guestsAllowed` only an account is admitted (SIGN_IN_REQUIRED).
 */
export async function resolveIdentity(auth: unknown, sessions: SessionTokens, jwt: JwtVerifier | undefined, guestsAllowed = true): Promise<Identity> {
  const fields = typeof auth === 'object' && auth !== null ? (auth as Record<string, unknown>) : {};
  if (fields.idToken !== undefined) {
    if (!jwt) return { ok: false, error: ErrorCode.Unauthorized };
    const account = await jwt.check(fields.idToken);
    if (!account.ok) return account;
    return { ok: true, userId: account.userId, guest: false, ...(account.displayName === undefined ? {} : { displayName: account.displayName }) };
  }
  if (!guestsAllowed) return { ok: false, error: ErrorCode.SignInRequired };
  if (fields.token !== undefined) {
    const userId = sessions.verify(fields.token);
    return userId ? { ok: true, userId, guest: true } : { ok: false, error: ErrorCode.Unauthorized };
  }
  const issued = sessions.issue();
  return { ok: true, userId: issued.userId, guest: true, newSessionToken: issued.token };
}

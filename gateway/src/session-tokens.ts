import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Signed guest sessions: `v1.<userId>.<issuedAtMs>.<hmac>`. No server keeps them, so any gateway
 * verifies any session; rotating SESSION_SECRET signs everyone out.
 */
export interface SessionTokens {
  issue(): { token: string; userId: string };
  /** The user id of a valid token, or undefined. */
  verify(token: unknown): string | undefined;
}

const TOKEN = /^v1\.(g_[A-Za-z0-9_-]{16,64})\.(\d{1,16})\.([A-Za-z0-9_-]{43})$/;

export function createSessionTokens(secret: string, now: () => number = Date.now): SessionTokens {
  const sign = (payload: string): string => createHmac('sha256', secret).update(payload).digest('base64url');
  return {
    issue() {
      const userId = `g_${randomBytes(12).toString('base64url')}`;
      const payload = `v1.${userId}.${now()}`;
      return { token: `${payload}.${sign(payload)}`, userId };
    },
    verify(token) {
      if (typeof token !== 'string' || token.length > 200) return undefined;
      const match = TOKEN.exec(token);
      if (!match) return undefined;
      const expected = Buffer.from(sign(`v1.${match[1]}.${match[2]}`));
      const given = Buffer.from(match[3]!);
      return expected.length === given.length && timingSafeEqual(expected, given) ? match[1] : undefined;
    },
  };
}

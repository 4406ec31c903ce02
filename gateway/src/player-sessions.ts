import type { Logger } from '@tessera/runtime';
import { recordConnection, type RedisConnection } from '@tessera/store';
import type { JwtVerifier } from './jwt-verifier.js';

/** Longest display name kept (a token may carry anything). */
const MAX_NAME_LENGTH = 64;

/**
 * Records who connected from where, once per connection (never per placement): the canonical
 * address with first and last seen, for the admins' per-user view, and an account's display name
 * from its token (`name`, else `preferred_username`, else `nickname`), for the pixel lookup.
 * A failure is logged and forgotten: it must never cost the player their connection.
 */
export function createSessionRecorder(deps: { redis: RedisConnection; canvasId: string; jwt: JwtVerifier | undefined; log: Logger }) {
  return async function recordSession(data: { userId: string; ip: string; guest: boolean }, auth: unknown): Promise<void> {
    try {
      let displayName: string | undefined;
      if (!data.guest && deps.jwt) {
        const idToken = typeof auth === 'object' && auth !== null ? (auth as Record<string, unknown>).idToken : undefined;
        const claims = await deps.jwt.claims(idToken);
        displayName = cleanName(claims?.name) ?? cleanName(claims?.preferred_username) ?? cleanName(claims?.nickname);
      }
      await recordConnection(deps.redis, deps.canvasId, { userId: data.userId, displayName, address: data.ip, at: Date.now() });
    } catch (error) {
      deps.log.debug({ err: error instanceof Error ? error.message : String(error), userId: data.userId }, 'session record failed');
    }
  };
}

/** A printable, trimmed, bounded name, or undefined. */
function cleanName(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  // Control characters and bidirectional overrides would let a name disguise itself in the UI.
  const name = value
    // eslint-disable-next-line no-control-regex -- control characters are exactly what this strips
    .replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '')
    .trim()
    .slice(0, MAX_NAME_LENGTH);
  return name === '' ? undefined : name;
}

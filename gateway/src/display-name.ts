import { LIMITS } from '@tessera/protocol';

// Control and formatting characters (bidi overrides, zero-width joiners) would let a name rewrite
// what is shown beside it.
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;

/**
 * The name to show for a signed-in player: the token's `name`, else `preferred_username`, else
 * `nickname`, without control characters, whitespace collapsed and cut to maxDisplayNameLength.
 */
export function displayNameOf(claims: Readonly<Record<string, unknown>>): string | undefined {
  for (const claim of ['name', 'preferred_username', 'nickname']) {
    const value = claims[claim];
    if (typeof value !== 'string') continue;
    const clean = value.replace(UNPRINTABLE, '').replace(/\s+/gu, ' ').trim();
    if (clean === '') continue;
    return Array.from(clean).slice(0, LIMITS.maxDisplayNameLength).join('');
  }
  return undefined;
}

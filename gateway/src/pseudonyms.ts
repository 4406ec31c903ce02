import { createHmac } from 'node:crypto';

/** Crockford's base32: no I, L, O or U, so a pseudonym read aloud is not misheard. */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
/** 50 bits: among a million users, the chance that any two share one is about 0.04 %. */
const LENGTH = 10;

/**
 * A stable short pseudonym per user id (`anon-k3m9qx2v7h`): an HMAC of the id under the gateway's
 * secret, so every gateway gives the same one and nobody can work the id back out of it or
 * compute someone's pseudonym without the secret.
 */
export function createPseudonyms(secret: string): (userId: string) => string {
  return (userId) => {
    const digest = createHmac('sha256', `pseudonym:${secret}`).update(userId).digest();
    let out = '';
    for (let i = 0; i < LENGTH; i++) out += ALPHABET.charAt(digest[i]! & 31);
    return `anon-${out}`;
  };
}

import { createHmac } from 'node:crypto';
import type { EnvReader } from '@tessera/runtime';

export const CHALLENGE_DEFAULTS = {
  /**
   * The solver must find a counter drawn from 0 to this (SHA-256 derivations): on average half of
   * it. 100,000 takes a browser about a second (BENCHMARKS.md) and the gateway microseconds.
   */
  maxNumber: 100_000,
  /** A challenge must be solved and used within this (it is also how long its replay key lives). */
  expiresMs: 120_000,
  /** The key derivation: SHA-256 is what browsers' WebCrypto runs fastest, so people pay least. */
  algorithm: 'SHA-256',
} as const;

/** How this gateway issues and checks proof-of-work challenges (who must solve one is CanvasConfig.challenge). */
export interface ChallengeIssuerSettings {
  /** Signs challenges (HMAC-SHA-256); every gateway of a canvas needs the same one. */
  readonly hmacKey: string;
  /** Signs the derived key of each challenge, so a solution verifies with one HMAC. */
  readonly keySignatureKey: string;
  readonly maxNumber: number;
  readonly expiresMs: number;
  readonly algorithm: typeof CHALLENGE_DEFAULTS.algorithm;
}

function derive(secret: string, label: string): string {
  return createHmac('sha256', secret).update(label).digest('hex');
}

/**
 * CHALLENGE_HMAC_KEY (at least 32 characters), or a key derived from SESSION_SECRET when unset,
 * so every deployment can switch the challenge on live without a new secret. The key that signs
 * derived keys is derived from it: one secret to rotate.
 */
export function readChallengeSettings(reader: EnvReader, sessionSecret: string | undefined): ChallengeIssuerSettings {
  const configured = reader.optionalString('CHALLENGE_HMAC_KEY');
  if (configured !== undefined && configured.length < 32) reader.problem('CHALLENGE_HMAC_KEY must be at least 32 characters');
  const hmacKey = configured ?? derive(sessionSecret ?? '', 'tessera-challenge-hmac');
  return Object.freeze({
    hmacKey,
    keySignatureKey: derive(hmacKey, 'tessera-challenge-key-signature'),
    maxNumber: reader.integer('CHALLENGE_MAX_NUMBER', CHALLENGE_DEFAULTS.maxNumber, { min: 1_000, max: 100_000_000 }),
    expiresMs: reader.integer('CHALLENGE_EXPIRES_MS', CHALLENGE_DEFAULTS.expiresMs, { min: 10_000, max: 3_600_000 }),
    algorithm: CHALLENGE_DEFAULTS.algorithm,
  });
}

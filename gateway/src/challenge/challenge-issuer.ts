import { ErrorCode, LIMITS } from '@tessera/protocol';
import { createChallenge, randomInt, verifySolution, type Challenge, type Payload } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import type { ChallengeIssuerSettings } from './challenge-settings.js';

/** A solution that verified: `nonce` identifies its challenge, `ttlMs` how long it could still be accepted. */
export type CheckedSolution = { readonly ok: true; readonly nonce: string; readonly ttlMs: number } | { readonly ok: false; readonly error: ErrorCode };

export interface ChallengeIssuer {
  /** A new signed challenge, in the JSON shape the ALTCHA widget fetches. */
  issue(): Promise<Challenge>;
  /** Judges an untrusted solution (no Redis: the replay check is the caller's). */
  check(payload: unknown): Promise<CheckedSolution>;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const HEX = /^[0-9a-f]+$/;
/** Clock skew between gateways the replay key outlives the challenge by. */
const REPLAY_MARGIN_MS = 5_000;

const refuse = (error: ErrorCode): CheckedSolution => ({ ok: false, error });

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Decodes the widget's payload (base64 JSON of `{ challenge, solution }`), refusing anything else. */
function decode(payload: unknown): Payload | undefined {
  if (typeof payload !== 'string' || !BASE64.test(payload)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload, 'base64').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isRecord(parsed) || !isRecord(parsed.challenge) || !isRecord(parsed.solution)) return undefined;
  const { parameters, signature } = parsed.challenge;
  if (!isRecord(parameters) || typeof signature !== 'string' || !HEX.test(signature)) return undefined;
  const { nonce, salt, keyPrefix, expiresAt, cost, keyLength } = parameters;
  if (typeof nonce !== 'string' || !/^[0-9a-f]{32}$/.test(nonce)) return undefined;
  if (typeof salt !== 'string' || !HEX.test(salt) || typeof keyPrefix !== 'string' || !HEX.test(keyPrefix)) return undefined;
  if (typeof expiresAt !== 'number' || typeof cost !== 'number' || typeof keyLength !== 'number') return undefined;
  const { counter, derivedKey } = parsed.solution;
  if (typeof counter !== 'number' || !Number.isInteger(counter) || counter < 0 || typeof derivedKey !== 'string') return undefined;
  return parsed as unknown as Payload;
}

/**
 * ALTCHA (altcha-lib, proof-of-work v2) challenges signed with the gateway's HMAC key: SHA-256,
 * deterministic mode (the counter to find is drawn at random and its derived key is signed, so
 * verifying costs one HMAC, not a re-derivation), with an expiry inside the signed parameters.
 */
export function createChallengeIssuer(settings: ChallengeIssuerSettings): ChallengeIssuer {
  return {
    issue: () =>
      createChallenge({
        algorithm: settings.algorithm,
        cost: 1,
        counter: randomInt(0, settings.maxNumber),
        deriveKey,
        expiresAt: new Date(Date.now() + settings.expiresMs),
        hmacSignatureSecret: settings.hmacKey,
        hmacKeySignatureSecret: settings.keySignatureKey,
      }),

    async check(payload) {
      if (typeof payload === 'string' && payload.length > LIMITS.maxChallengePayloadBytes) return refuse(ErrorCode.PayloadTooLarge);
      const decoded = decode(payload);
      if (!decoded) return refuse(ErrorCode.ChallengeMalformed);
      const { parameters } = decoded.challenge;
      // Only what this gateway issues: another algorithm or cost would change what a solution costs.
      if (parameters.algorithm !== settings.algorithm || parameters.cost !== 1 || parameters.keyLength !== 32) return refuse(ErrorCode.ChallengeAlgorithm);
      // A challenge without a key signature would verify by re-deriving: not one of ours.
      if (typeof parameters.keySignature !== 'string') return refuse(ErrorCode.ChallengeForged);
      const result = await verifySolution({
        challenge: decoded.challenge,
        solution: decoded.solution,
        deriveKey,
        hmacSignatureSecret: settings.hmacKey,
        hmacKeySignatureSecret: settings.keySignatureKey,
      });
      if (result.expired) return refuse(ErrorCode.ChallengeExpired);
      if (!result.verified) return refuse(ErrorCode.ChallengeForged);
      const expiresAtMs = (parameters.expiresAt ?? 0) * 1000;
      return { ok: true, nonce: parameters.nonce, ttlMs: expiresAtMs - Date.now() + REPLAY_MARGIN_MS };
    },
  };
}

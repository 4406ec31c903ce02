import { challengeApplies, ChallengePoint, type ChallengeSettings, type ErrorCode } from '@tessera/protocol';
import { claimChallengeSolution, type RedisConnection } from '@tessera/store';
import type { ChallengeIssuer } from './challenge-issuer.js';
import type { ChallengeMetrics } from './challenge-metrics.js';

/** What one socket has paid: a solution for the connection (handshake mode), a credit for one placement. */
export interface ChallengeProof {
  passed: boolean;
  credits: number;
}

export interface ChallengeGate {
  /** Verifies a solution and marks it used on every gateway; undefined when accepted, else why not. */
  verify(payload: unknown): Promise<ErrorCode | undefined>;
  /**
   * Takes what a placement needs from `proof` (synchronously, so two placements in flight cannot
   * spend one credit): undefined when nothing is owed or it was taken, else CHALLENGE_REQUIRED.
   * `spent` says whether a credit was taken (to give back when the placement was refused).
   */
  takeForPlacement(settings: ChallengeSettings, guest: boolean, proof: ChallengeProof): { readonly refused: boolean; readonly spent: boolean };
  /** Books an accepted `proof` event on the socket. */
  credit(settings: ChallengeSettings, proof: ChallengeProof): void;
}

/** At most one placement paid in advance: a socket cannot bank solutions. */
const MAX_CREDITS = 1;

export function createChallengeGate(deps: { redis: RedisConnection; canvasId: string; issuer: ChallengeIssuer; metrics: ChallengeMetrics }): ChallengeGate {
  const record = (result: string, started: number): void => {
    deps.metrics.verifications.inc({ result });
    deps.metrics.verifySeconds.observe((performance.now() - started) / 1000);
  };
  return {
    async verify(payload) {
      const started = performance.now();
      const checked = await deps.issuer.check(payload);
      if (!checked.ok) {
        record(checked.error, started);
        return checked.error;
      }
      if (!(await claimChallengeSolution(deps.redis, deps.canvasId, checked.nonce, checked.ttlMs))) {
        record('CHALLENGE_REPLAYED', started);
        return 'CHALLENGE_REPLAYED';
      }
      record('ok', started);
      return undefined;
    },

    takeForPlacement(settings, guest, proof) {
      if (!challengeApplies(settings, guest)) return { refused: false, spent: false };
      if (settings.at === ChallengePoint.Handshake) return { refused: !proof.passed, spent: false };
      if (proof.credits < 1) return { refused: true, spent: false };
      proof.credits--;
      return { refused: false, spent: true };
    },

    credit(settings, proof) {
      if (settings.at === ChallengePoint.Handshake) proof.passed = true;
      else proof.credits = MAX_CREDITS;
    },
  };
}

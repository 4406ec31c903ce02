import { challengeApplies, ErrorCode, type ChallengeSettings, type ProofResult } from '@tessera/protocol';
import { createFailureLog, type Logger } from '@tessera/runtime';
import type { GatewayMetrics } from '../metrics.js';
import { OversizedPayload } from '../packet-size-parser.js';
import type { PlaceContext } from '../place-handler.js';
import type { ChallengeGate } from './challenge-gate.js';

/**
 * Judges one `proof` event: a solution for this connection (handshake mode, for a socket that
 * connected before the switch) or for its next placement (placement mode). It draws on the same
 * per-socket bucket as placements, so proofs cannot be flooded at the verifier or Redis.
 */
export function createProofHandler(deps: {
  challenges: ChallengeGate;
  challengeSettings: () => Promise<ChallengeSettings | undefined>;
  metrics: GatewayMetrics;
  log: Logger;
  /** Consecutive refusals after which a socket counts as flooding (as for placements). */
  floodThreshold: number;
}) {
  const failures = createFailureLog({ log: deps.log, message: 'proofs failed' });
  return async function handleProof(context: PlaceContext, payload: unknown, ack: (result: ProofResult) => void): Promise<void> {
    if (!context.bucket.take()) {
      if (context.bucket.refusedInARow >= deps.floodThreshold) context.onFlood();
      ack({ ok: false, error: ErrorCode.RateLimited });
      return;
    }
    if (payload instanceof OversizedPayload) {
      ack({ ok: false, error: ErrorCode.PayloadTooLarge });
      return;
    }
    try {
      const settings = await deps.challengeSettings();
      if (!settings) {
        ack({ ok: false, error: ErrorCode.CanvasUnavailable });
        return;
      }
      // Nothing owed: accepted without spending the solution.
      if (!challengeApplies(settings, context.guest)) {
        ack({ ok: true });
        return;
      }
      const error = await deps.challenges.verify(payload);
      if (error) {
        ack({ ok: false, error });
        return;
      }
      deps.challenges.credit(settings, context.proof);
      ack({ ok: true });
    } catch (error) {
      deps.metrics.malformedPackets.inc({ reason: 'proof-failed' });
      failures.failed(ErrorCode.CanvasUnavailable, error);
      ack({ ok: false, error: ErrorCode.CanvasUnavailable });
    }
  };
}

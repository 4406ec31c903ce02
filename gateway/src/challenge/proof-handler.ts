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
      return ack({ ok: false, error: ErrorCode.RateLimited });
    }
    if (payload instanceof OversizedPayload) return ack({ ok: false, error: ErrorCode.PayloadTooLarge });
    try {
      const settings = await deps.challengeSettings();
      if (!settings) return ack({ ok: false, error: ErrorCode.CanvasUnavailable });
      // Nothing owed: accepted without spending the solution.
      if (!challengeApplies(settings, context.guest)) return ack({ ok: true });
      const error = await deps.challenges.verify(payload);
      if (error) return ack({ ok: false, error });
      deps.challenges.credit(settings, context.proof);
      ack({ ok: true });
    } catch (error) {
      deps.metrics.malformedPackets.inc({ reason: 'proof-failed' });
      failures.failed(ErrorCode.CanvasUnavailable, error);
      ack({ ok: false, error: ErrorCode.CanvasUnavailable });
    }
  };
}

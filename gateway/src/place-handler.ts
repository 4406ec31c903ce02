import { checkPlacePayload, ErrorCode, type ChallengeSettings, type PlaceResult } from '@tessera/protocol';
import { createFailureLog, type Logger } from '@tessera/runtime';
import { placementFailureCode, type PixelPlacer } from '@tessera/store';
import type { ChallengeGate, ChallengeProof } from './challenge/challenge-gate.js';
import type { GatewayMetrics } from './metrics.js';
import { OversizedPayload } from './packet-size-parser.js';
import type { AddressBuckets, TokenBucket } from './token-bucket.js';

/**
 * What one socket was last told about its cooldown: until `retryAt` (Redis clock, epoch ms) it
 * is answered COOLDOWN without a script call, as long as the config is still at `version` (a
 * cooldown change applies at once to waiting players, so it voids what the socket was told).
 */
export interface KnownCooldown {
  retryAt: number;
  version: number;
}

/** What the handler knows about the socket that sent the event. */
export interface PlaceContext {
  readonly userId: string;
  readonly ip: string;
  readonly guest: boolean;
  /** The ban prefixes covering `ip`, checked by the placement script. */
  readonly addressPrefixes: readonly string[];
  readonly bucket: TokenBucket;
  /** Mutable: the cooldown this socket was last given (retryAt 0: none known). */
  readonly cooldown: KnownCooldown;
  /** Mutable: the proof-of-work this socket has paid (see challenge-gate.ts). */
  readonly proof: ChallengeProof;
  /** Called when the socket floods past its limit for long enough to be cut off. */
  readonly onFlood: () => void;
}

export interface PlaceHandlerDeps {
  readonly placer: PixelPlacer;
  readonly metrics: GatewayMetrics;
  readonly log: Logger;
  /** Consecutive refusals after which a socket counts as flooding (and is disconnected). */
  readonly floodThreshold: number;
  /** Per-address buckets on this gateway: the last gate before the script. */
  readonly addressBuckets: AddressBuckets;
  /**
   * The config version now (a cache shared by the gateway, not a Redis call per event); undefined
   * when it cannot be told, and then the script decides.
   */
  readonly configVersion: () => Promise<number | undefined>;
  /** The challenge settings now (the same cache); undefined when unknown, and then none is asked. */
  readonly challengeSettings: () => Promise<ChallengeSettings | undefined>;
  readonly challenges: ChallengeGate;
}

/**
 * Judges one `place` event: hard limits first (rate, size, shape: cheap and local), then the
 * placement script in Redis, which checks everything that depends on live state. Every path
 * answers with a closed error code; nothing internal reaches the client.
 */
export function createPlaceHandler(deps: PlaceHandlerDeps) {
  // A Redis outage fails every placement: one line per interval and answer, with the count.
  const failures = createFailureLog({ log: deps.log, message: 'placements failed', keyField: 'answer' });
  // Counter children bound once per result: labelling by object on every event hashes the labels
  // each time, measurable at 20,000 placements/s.
  const counted = new Map<string, { inc(): void }>();
  const countResult = (result: string): void => {
    let child = counted.get(result);
    if (!child) counted.set(result, (child = deps.metrics.placements.labels(result)));
    child.inc();
  };
  return async function handlePlace(context: PlaceContext, payload: unknown, ack: (result: PlaceResult) => void): Promise<void> {
    const started = performance.now();
    const reply = (result: PlaceResult): void => {
      countResult(result.ok ? 'accepted' : result.error);
      deps.metrics.placeAckSeconds.observe((performance.now() - started) / 1000);
      ack(result);
    };
    if (!context.bucket.take()) {
      if (context.bucket.refusedInARow >= deps.floodThreshold) context.onFlood();
      reply({ ok: false, error: ErrorCode.RateLimited });
      return;
    }
    // Judged by the parser on the packet that carried this very event (packet-size-parser.ts).
    if (payload instanceof OversizedPayload) {
      reply({ ok: false, error: ErrorCode.PayloadTooLarge });
      return;
    }
    const checked = checkPlacePayload(payload);
    if (!checked.ok) {
      reply({ ok: false, error: checked.error });
      return;
    }
    const known = context.cooldown;
    if (known.retryAt > Date.now()) {
      const version = await deps.configVersion().catch(() => undefined);
      if (version === known.version && known.retryAt > Date.now()) {
        deps.metrics.placementsAnsweredLocally.inc();
        reply({ ok: false, error: ErrorCode.Cooldown, retryAt: known.retryAt });
        return;
      }
      known.retryAt = 0;
    }
    // After the local cooldown answer (a waiting player need not solve to be told to wait), before
    // the script. Unknown settings (Redis unreachable) ask nothing: the script refuses anyway.
    const settings = await deps.challengeSettings().catch(() => undefined);
    const paid = settings ? deps.challenges.takeForPlacement(settings, context.guest, context.proof) : { refused: false, spent: false };
    if (paid.refused) {
      reply({ ok: false, error: ErrorCode.ChallengeRequired });
      return;
    }
    // A refused placement gives its credit back; an accepted one or one of unknown outcome keeps it spent.
    const refund = (): void => {
      if (paid.spent) context.proof.credits = Math.max(context.proof.credits, 1);
    };
    if (!deps.addressBuckets.take(context.ip)) {
      refund();
      reply({ ok: false, error: ErrorCode.RateLimited });
      return;
    }
    try {
      const outcome = await deps.placer.place({
        ...checked.value,
        userId: context.userId,
        ip: context.ip,
        applyIpCooldown: context.guest,
        addressPrefixes: context.addressPrefixes,
      });
      // Remember the wait the socket is given, so its next tries until then stay off Redis.
      const retryAt = outcome.ok ? outcome.nextAt : outcome.error === ErrorCode.Cooldown ? (outcome.retryAt ?? 0) : 0;
      if (retryAt > Date.now()) {
        known.retryAt = retryAt;
        known.version = outcome.configVersion;
      }
      if (!outcome.ok) refund();
      reply(
        outcome.ok
          ? { ok: true, nextAt: outcome.nextAt, eventId: outcome.eventId }
          : outcome.retryAt === undefined
            ? { ok: false, error: outcome.error }
            : { ok: false, error: outcome.error, retryAt: outcome.retryAt },
      );
    } catch (error) {
      // Refused only when Redis certainly did not run it; else unknown, and the next delta tells.
      const code = placementFailureCode(error);
      if (code !== ErrorCode.OutcomeUnknown) refund();
      failures.failed(code, error);
      reply({ ok: false, error: code });
    }
  };
}

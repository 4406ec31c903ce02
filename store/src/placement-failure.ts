import { ErrorCode } from '@tessera/protocol';

/**
 * A command that was written to Redis and whose reply was lost with the connection: Redis may
 * have run it. A client that does not resend unanswered commands (as placements require) rejects
 * each of them with this (runtime's createRedisClient), since ioredis would never settle them.
 */
export class OutcomeUnknownError extends Error {
  override readonly name = 'OutcomeUnknownError';
}

/**
 * The master ran the placement but fewer replicas than required confirmed it in time: a failover
 * now could lose it, so it is not acknowledged. Its outcome is unknown (the next delta tells).
 */
export class ReplicaShortfallError extends Error {
  override readonly name = 'ReplicaShortfallError';
  constructor(
    readonly confirmed: number,
    readonly required: number,
  ) {
    super(`${String(confirmed)} of ${String(required)} replicas confirmed the placement in time`);
  }
}

/** What a player may be told about a placement that threw instead of answering. */
export type PlacementFailureCode = typeof ErrorCode.CanvasUnavailable | typeof ErrorCode.OutcomeUnknown;

// ioredis refuses these before writing anything: the placement certainly did not run.
const NEVER_SENT = ["Stream isn't writeable and enableOfflineQueue options is false", "Cluster isn't ready and enableOfflineQueue options is false"];

/**
 * The one place an error from a placement call becomes what the player is told. A refusal
 * (CANVAS_UNAVAILABLE) only when Redis certainly did not run the script: ioredis refused it
 * offline, or Redis answered with an error. Anything else (the connection closed under it, a
 * timeout, an error nobody foresaw) may have landed, so it is OUTCOME_UNKNOWN: never a false refusal.
 */
export function placementFailureCode(error: unknown): PlacementFailureCode {
  if (!(error instanceof Error)) return ErrorCode.OutcomeUnknown;
  // Redis itself answered (READONLY after a failover, LOADING, BUSY, OOM): the script did not commit.
  if (error.name === 'ReplyError') return ErrorCode.CanvasUnavailable;
  // Not here: MaxRetriesPerRequestError. ioredis flushes it over the offline queue but also over
  // commands still awaiting a reply when a reconnect attempt fails, so it proves nothing.
  if (NEVER_SENT.some((message) => error.message.startsWith(message))) return ErrorCode.CanvasUnavailable;
  return ErrorCode.OutcomeUnknown;
}

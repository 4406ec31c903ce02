/**
 * The closed list of error codes a client can receive. Nothing else (no message, no stack trace)
 * ever crosses the wire, so clients can switch on these exhaustively.
 */
export const ErrorCode = {
  InvalidPayload: 'INVALID_PAYLOAD',
  PayloadTooLarge: 'PAYLOAD_TOO_LARGE',
  OutOfBounds: 'OUT_OF_BOUNDS',
  InvalidColor: 'INVALID_COLOR',
  Cooldown: 'COOLDOWN',
  Paused: 'PAUSED',
  RateLimited: 'RATE_LIMITED',
  Banned: 'BANNED',
  Unauthorized: 'UNAUTHORIZED',
  /** The identity token was genuine but has expired: refresh it or sign in again. */
  TokenExpired: 'TOKEN_EXPIRED',
  /** This canvas admits signed-in players only (AUTH_GUESTS=refused). */
  SignInRequired: 'SIGN_IN_REQUIRED',
  TooManyConnections: 'TOO_MANY_CONNECTIONS',
  /** A browser page from a site not in CORS_ORIGINS (refused before the WebSocket upgrade). */
  OriginNotAllowed: 'ORIGIN_NOT_ALLOWED',
  /** Redis could not be reached: the placement was not made (try again). */
  CanvasUnavailable: 'CANVAS_UNAVAILABLE',
  /**
   * The placement reached Redis but its answer was lost with the connection: it may or may not
   * have landed, and is never retried. The next delta tells the truth.
   */
  OutcomeUnknown: 'OUTCOME_UNKNOWN',
  Draining: 'SERVER_DRAINING',
  /** A proof-of-work solution is required first (in the handshake, or a `proof` before this placement). */
  ChallengeRequired: 'CHALLENGE_REQUIRED',
  /** The solution is not an ALTCHA payload (bad base64, JSON or shape), or is longer than the limit. */
  ChallengeMalformed: 'CHALLENGE_MALFORMED',
  /** The challenge names an algorithm or difficulty this gateway does not issue. */
  ChallengeAlgorithm: 'CHALLENGE_ALGORITHM',
  /** The challenge's signature or the solution does not verify: it was not issued here, or not solved. */
  ChallengeForged: 'CHALLENGE_FORGED',
  /** The challenge expired before its solution arrived: fetch a new one. */
  ChallengeExpired: 'CHALLENGE_EXPIRED',
  /** This solution was already used (on any gateway): each is accepted once. */
  ChallengeReplayed: 'CHALLENGE_REPLAYED',
  Internal: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const ALL_CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode));

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && ALL_CODES.has(value);
}

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
  TooManyConnections: 'TOO_MANY_CONNECTIONS',
  CanvasUnavailable: 'CANVAS_UNAVAILABLE',
  Draining: 'SERVER_DRAINING',
  Internal: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const ALL_CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode));

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && ALL_CODES.has(value);
}

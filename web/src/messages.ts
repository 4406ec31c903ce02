import type { ErrorCode } from '@tessera/protocol';

/** Outcomes the client produces itself; a server never sends these. */
export const ClientError = {
  /** The server did not acknowledge in time. */
  NoAnswer: 'NO_ANSWER',
  /** There is no connection to send on. */
  Offline: 'OFFLINE',
} as const;
export type ClientError = (typeof ClientError)[keyof typeof ClientError];

// A Record over the whole union: adding an ErrorCode to the protocol fails the build until it has text here.
const TEXT = {
  INVALID_PAYLOAD: 'That placement was not understood.',
  PAYLOAD_TOO_LARGE: 'That request was too large.',
  OUT_OF_BOUNDS: 'That pixel is outside the canvas.',
  INVALID_COLOR: 'That colour is not in the palette any more.',
  COOLDOWN: 'Not yet: your cooldown is still running.',
  PAUSED: 'The canvas is paused.',
  RATE_LIMITED: 'Slow down: too many requests.',
  BANNED: 'You are banned from this canvas.',
  UNAUTHORIZED: 'Your session was not accepted; starting a new one.',
  TOKEN_EXPIRED: 'Your sign-in has expired. Sign in again.',
  SIGN_IN_REQUIRED: 'Sign in to join this canvas.',
  TOO_MANY_CONNECTIONS: 'Too many connections from your network. Close other tabs and wait a moment.',
  ORIGIN_NOT_ALLOWED: 'This page may not connect to the canvas server.',
  CANVAS_UNAVAILABLE: 'The canvas is temporarily unavailable. Try again in a moment.',
  OUTCOME_UNKNOWN: 'Checking whether your pixel was placed: the canvas will show it in a moment.',
  SERVER_DRAINING: 'The server is restarting; reconnecting.',
  INTERNAL: 'Something went wrong on the server.',
  CHALLENGE_REQUIRED: 'A quick check that you are not a bot is needed first.',
  CHALLENGE_MALFORMED: 'The bot check could not be read; trying again.',
  CHALLENGE_ALGORITHM: 'The bot check was of the wrong kind; trying again.',
  CHALLENGE_FORGED: 'The bot check did not verify; trying again.',
  CHALLENGE_EXPIRED: 'The bot check expired; trying again.',
  CHALLENGE_REPLAYED: 'That bot check was already used; trying again.',
  NO_ANSWER: 'No answer yet: the canvas will show your pixel in a moment if it was placed.',
  OFFLINE: 'Not connected to the server.',
} as const satisfies Record<ErrorCode | ClientError, string>;

/** The one place an error code becomes words for a player; unknown codes (a newer server) get a generic line. */
export function describeError(code: string): string {
  return Object.hasOwn(TEXT, code) ? TEXT[code as keyof typeof TEXT] : 'Something went wrong.';
}

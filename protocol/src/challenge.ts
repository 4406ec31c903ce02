import type { ErrorCode } from './error-codes.js';

/**
 * The optional proof-of-work challenge (ALTCHA): who must solve one, and where it is checked.
 * A CanvasConfig field, so an admin switches it live and every gateway follows.
 */
export const ChallengeMode = {
  Off: 'off',
  /** Guests only: signed-in players are trusted to be people. */
  Guests: 'guests',
  Everyone: 'everyone',
} as const;
export type ChallengeMode = (typeof ChallengeMode)[keyof typeof ChallengeMode];

export const ChallengePoint = {
  /** One solution per connection: sent in the handshake (`auth.altcha`), or by `proof` on a socket that connected before the switch. */
  Handshake: 'handshake',
  /** One solution per accepted placement, sent by `proof` before the `place` it pays for. */
  Placement: 'placement',
} as const;
export type ChallengePoint = (typeof ChallengePoint)[keyof typeof ChallengePoint];

export interface ChallengeSettings {
  readonly mode: ChallengeMode;
  readonly at: ChallengePoint;
}

export const CHALLENGE_OFF: ChallengeSettings = Object.freeze({ mode: ChallengeMode.Off, at: ChallengePoint.Handshake });

const MODES: ReadonlySet<string> = new Set(Object.values(ChallengeMode));
const POINTS: ReadonlySet<string> = new Set(Object.values(ChallengePoint));

export function isChallengeMode(value: unknown): value is ChallengeMode {
  return typeof value === 'string' && MODES.has(value);
}

export function isChallengePoint(value: unknown): value is ChallengePoint {
  return typeof value === 'string' && POINTS.has(value);
}

/** Whether this player must solve a challenge under these settings. */
export function challengeApplies(settings: ChallengeSettings, guest: boolean): boolean {
  return settings.mode === ChallengeMode.Everyone || (settings.mode === ChallengeMode.Guests && guest);
}

/** Where the web client fetches a challenge (a GET answering the ALTCHA challenge JSON). */
export const CHALLENGE_PATH = '/api/challenge';

/** The acknowledgement of a `proof` event. */
export type ProofResult = { readonly ok: true } | { readonly ok: false; readonly error: ErrorCode };

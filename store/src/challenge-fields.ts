import { CHALLENGE_OFF, ChallengeMode, isChallengeMode, isChallengePoint, type ChallengeSettings } from '@tessera/protocol';

/** The config hash fields that hold the challenge settings (absent: off). */
export const CHALLENGE_FIELDS = { mode: 'challengeMode', at: 'challengeAt' } as const;

/** The hash fields that store `settings` (for writeCanvasConfig). */
export function challengeFields(settings: ChallengeSettings): Record<string, string> {
  return { [CHALLENGE_FIELDS.mode]: settings.mode, [CHALLENGE_FIELDS.at]: settings.at };
}

/**
 * Reads the challenge settings from a config hash. Absent fields (a canvas from before the
 * challenge existed) mean off; a value this code does not know fails closed: everyone solves.
 */
export function parseChallengeFields(hash: Record<string, string>): ChallengeSettings {
  const mode = hash[CHALLENGE_FIELDS.mode];
  const at = hash[CHALLENGE_FIELDS.at];
  if (mode === undefined) return CHALLENGE_OFF;
  return {
    mode: isChallengeMode(mode) ? mode : ChallengeMode.Everyone,
    at: isChallengePoint(at) ? at : CHALLENGE_OFF.at,
  };
}

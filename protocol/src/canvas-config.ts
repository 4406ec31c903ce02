import type { ChallengeSettings } from './challenge.js';
import { LIMITS } from './limits.js';

/** The live configuration of one canvas, stored as a Redis hash and pushed to clients on change. */
export interface CanvasConfig {
  readonly width: number;
  readonly height: number;
  /** Colours as `#rrggbb`; index 0 is the background. */
  readonly palette: readonly string[];
  readonly cooldownMs: number;
  readonly paused: boolean;
  /** The proof-of-work challenge: who solves one, and where it is checked (off unless an admin sets it). */
  readonly challenge: ChallengeSettings;
  /** Who may open the history viewer (history-viewer.ts); absent: `off`. */
  readonly historyViewer?: 'off' | 'on' | 'while-paused';
  /** Anyone may download the placement datasets of this canvas (default off: admins only). */
  readonly datasetsPublic?: boolean;
  /** Increases by one with every change; clients and placements can tell an old config from a new one. */
  readonly version: number;
  /** What players see of who placed a pixel (absent: 'names'; see OwnerLookup). */
  readonly ownerLookup?: OwnerLookup;
}

/**
 * How the public pixel lookup names owners: display names of signed-in users (guests by pseudonym),
 * pseudonyms for everyone, or not at all.
 */
export const OwnerLookup = { Names: 'names', Pseudonyms: 'pseudonyms', Off: 'off' } as const;
export type OwnerLookup = (typeof OwnerLookup)[keyof typeof OwnerLookup];
export const OWNER_LOOKUPS: readonly OwnerLookup[] = Object.values(OwnerLookup);

/** The 32-colour palette of r/place 2022: index 0 (white) is the background. */
export const DEFAULT_PALETTE: readonly string[] = Object.freeze([
  '#ffffff',
  '#6d001a',
  '#be0039',
  '#ff4500',
  '#ffa800',
  '#ffd635',
  '#fff8b8',
  '#00a368',
  '#00cc78',
  '#7eed56',
  '#00756f',
  '#009eaa',
  '#00ccc0',
  '#2450a4',
  '#3690ea',
  '#51e9f4',
  '#493ac1',
  '#6a5cff',
  '#94b3ff',
  '#811e9f',
  '#b44ac0',
  '#e4abff',
  '#de107f',
  '#ff3881',
  '#ff99aa',
  '#6d482f',
  '#9c6926',
  '#ffb470',
  '#000000',
  '#515252',
  '#898d90',
  '#d4d7d9',
]);

const HEX_COLOR = /^#[0-9a-f]{6}$/;

/** Returns the reason a palette is unusable, or undefined when it is fine. */
export function paletteProblem(palette: unknown): string | undefined {
  if (!Array.isArray(palette)) return 'must be an array of #rrggbb colours';
  if (palette.length < LIMITS.minPaletteSize || palette.length > LIMITS.maxPaletteSize) {
    return `must hold ${LIMITS.minPaletteSize} to ${LIMITS.maxPaletteSize} colours`;
  }
  const bad = palette.findIndex((color) => typeof color !== 'string' || !HEX_COLOR.test(color));
  if (bad >= 0) return `colour ${bad} is not a lower-case #rrggbb string`;
  return undefined;
}

/** Returns the reason a canvas side is unusable, or undefined when it is fine. */
export function canvasSideProblem(side: unknown): string | undefined {
  if (typeof side !== 'number' || !Number.isInteger(side)) return 'must be an integer';
  if (side < LIMITS.minCanvasSide || side > LIMITS.maxCanvasSide) return `must be ${LIMITS.minCanvasSide} to ${LIMITS.maxCanvasSide}`;
  return undefined;
}

export function cooldownProblem(cooldownMs: unknown): string | undefined {
  if (typeof cooldownMs !== 'number' || !Number.isInteger(cooldownMs)) return 'must be an integer number of milliseconds';
  if (cooldownMs < 0 || cooldownMs > LIMITS.maxCooldownMs) return `must be 0 to ${LIMITS.maxCooldownMs}`;
  return undefined;
}

/** Parses a `#rrggbb` colour into [r, g, b]. */
export function parseHexColor(color: string): [number, number, number] {
  const n = Number.parseInt(color.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

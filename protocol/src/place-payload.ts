import { ErrorCode } from './error-codes.js';
import { LIMITS } from './limits.js';

/** What a player sends to place one pixel. */
export interface PlacePayload {
  readonly x: number;
  readonly y: number;
  readonly color: number;
}

export type PlacePayloadCheck = { readonly ok: true; readonly value: PlacePayload } | { readonly ok: false; readonly error: ErrorCode };

const MAX_COORDINATE = LIMITS.maxCanvasSide - 1;

function isIndex(value: unknown, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= max;
}

/**
 * Shape check of an untrusted `place` payload: exactly {x, y, color}, non-negative integers
 * within the protocol's hard limits. Bounds against the live canvas size and palette are
 * checked by the placement script in Redis, which holds the config that counts.
 */
export function checkPlacePayload(payload: unknown): PlacePayloadCheck {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    return { ok: false, error: ErrorCode.InvalidPayload };
  }
  const keys = Object.keys(payload);
  if (keys.length !== 3) return { ok: false, error: ErrorCode.InvalidPayload };
  const { x, y, color } = payload as Record<string, unknown>;
  if (typeof x !== 'number' || typeof y !== 'number' || typeof color !== 'number') {
    return { ok: false, error: ErrorCode.InvalidPayload };
  }
  if (!Number.isInteger(x) || !Number.isInteger(y) || !Number.isInteger(color)) {
    return { ok: false, error: ErrorCode.InvalidPayload };
  }
  if (!isIndex(x, MAX_COORDINATE) || !isIndex(y, MAX_COORDINATE)) return { ok: false, error: ErrorCode.OutOfBounds };
  if (!isIndex(color, LIMITS.maxPaletteSize - 1)) return { ok: false, error: ErrorCode.InvalidColor };
  return { ok: true, value: { x, y, color } };
}

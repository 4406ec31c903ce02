import { canvasKeys, chunkOf, ErrorCode } from '@tessera/protocol';
import type { RedisConnection } from './redis-connection.js';
import { callScript, defineScript } from './lua-scripts.js';

export interface PlacementRequest {
  readonly x: number;
  readonly y: number;
  readonly color: number;
  readonly userId: string;
  readonly ip: string;
  /** Guests are cooled down per IP as well as per user. */
  readonly applyIpCooldown: boolean;
  /** The ban prefixes covering the client's address (the gateway's address-prefix.ts); none: no address check. */
  readonly addressPrefixes?: readonly string[];
}

export type PlacementOutcome =
  | { readonly ok: true; readonly nextAt: number; readonly eventId: string; readonly configVersion: number }
  | { readonly ok: false; readonly error: ErrorCode; readonly retryAt?: number; readonly configVersion: number };

type PlaceReply = [code: number, time: number, eventId: string, configVersion: number];

/** The one place the script's numeric result codes get their meaning. */
export function placementOutcome(reply: PlaceReply): PlacementOutcome {
  const [code, time, eventId, configVersion] = reply;
  return outcomeOfCode(code, time, eventId, configVersion);
}

/** placementOutcome without the reply tuple (the batched script answers a flat array). */
export function outcomeOfCode(code: number, time: number, eventId: string, configVersion: number): PlacementOutcome {
  switch (code) {
    case 0:
      return { ok: true, nextAt: time, eventId, configVersion };
    case 1:
      return { ok: false, error: ErrorCode.CanvasUnavailable, configVersion };
    case 2:
      return { ok: false, error: ErrorCode.Paused, configVersion };
    case 3:
      return { ok: false, error: ErrorCode.OutOfBounds, configVersion };
    case 4:
      return { ok: false, error: ErrorCode.InvalidColor, configVersion };
    case 5:
      return { ok: false, error: ErrorCode.Cooldown, retryAt: time, configVersion };
    case 6:
    case 7:
      return { ok: false, error: ErrorCode.Banned, configVersion };
    default:
      throw new Error(`place-pixel returned unknown code ${String(code)}`);
  }
}

export interface PixelPlacer {
  place(request: PlacementRequest): Promise<PlacementOutcome>;
}

/**
 * Places pixels on one canvas through the place-pixel script. A placement is applied at most once
 * only on a client that does not resend unanswered commands (`resendUnanswered: false` in
 * runtime's createRedisClient, which rejects them with OutcomeUnknownError instead);
 * placementFailureCode turns any failure into what the player is told.
 */
export function createPixelPlacer(redis: RedisConnection, canvasId: string, streamMaxLength: number): PixelPlacer {
  defineScript(redis, 'tesseraPlacePixel');
  const keys = canvasKeys(canvasId);
  return {
    async place(request) {
      const { cx, cy, offset } = chunkOf(request.x, request.y);
      const reply = await callScript<PlaceReply>(redis, 'tesseraPlacePixel', [
        keys.config,
        keys.chunk(cx, cy),
        keys.userCooldown(request.userId),
        keys.ipCooldown(request.ip),
        keys.events,
        keys.bans,
        keys.addressBans,
        keys.owners(cx, cy),
        keys.userNumbers,
        request.x,
        request.y,
        request.color,
        request.userId,
        request.applyIpCooldown ? 1 : 0,
        streamMaxLength,
        offset,
        ...(request.addressPrefixes ?? []),
      ]);
      return placementOutcome(reply);
    },
  };
}

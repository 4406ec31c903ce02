import { canvasKeys, CHUNK_SIZE, chunkOf, ErrorCode, LIMITS } from '@tessera/protocol';
import type { RedisConnection } from './redis-connection.js';
import { callScript } from './lua-scripts.js';

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

/** place-pixels.lua's answer: the config version, then code, time and event id of each placement. */
export type PlacePixelsReply = (number | string)[];

/** The keys every placement of a canvas shares, sent once a call. */
const SHARED_KEYS = 5;
/** What a packed pixel (packPixel) can carry: the protocol's largest canvas side and palette. */
const PACKED_SIDE = LIMITS.maxCanvasSide;
const PACKED_COLORS = LIMITS.maxPaletteSize;
/** Distinct chunks one call may touch (2^16 keeps a packed pixel below 2^53). */
const PACKED_CHUNKS = 65_536;
/** Reply fields of one placement after the config version: code, time, event id. */
const REPLY_FIELDS = 3;

/** The arguments of one place-pixels call for the placements given: key count, keys, then arguments. */
export type PlacePixelsArgs = (requests: readonly PlacementRequest[]) => (string | number)[];

/**
 * Builds place-pixels calls (store/lua/place-pixels.lua, the one placement script) for one canvas:
 * both placers send theirs so, and the benchmarks drive the script with it.
 */
export function placePixelsArgs(canvasId: string, streamMaxLength: number): PlacePixelsArgs {
  const keys = canvasKeys(canvasId);
  const shared = [keys.config, keys.events, keys.bans, keys.addressBans, keys.userNumbers];
  // Chunk and owners key names, built once per chunk rather than once per placement.
  const chunkKeys = new Map<number, readonly [string, string]>();
  const keysOfChunk = (cx: number, cy: number): readonly [string, string] => {
    const id = cy * 65_536 + cx;
    let pair = chunkKeys.get(id);
    if (!pair) chunkKeys.set(id, (pair = [keys.chunk(cx, cy), keys.owners(cx, cy)]));
    return pair;
  };
  return (requests) => {
    const chunks: string[] = [];
    const chunkIndex = new Map<number, number>();
    const cooldowns: string[] = [];
    const argv: (string | number)[] = [streamMaxLength, requests.length, CHUNK_SIZE, 0];
    for (const request of requests) {
      const { cx, cy } = chunkOf(request.x, request.y);
      const id = cy * 65_536 + cx;
      let index = chunkIndex.get(id);
      if (index === undefined) {
        index = chunkIndex.size;
        chunkIndex.set(id, index);
        chunks.push(...keysOfChunk(cx, cy));
      }
      cooldowns.push(keys.userCooldown(request.userId), keys.ipCooldown(request.ip));
      const prefixes = request.addressPrefixes ?? [];
      argv.push(packPixel(request, index), request.userId, prefixes.length);
      for (const prefix of prefixes) argv.push(prefix);
    }
    argv[3] = chunkIndex.size;
    const keyCount = SHARED_KEYS + chunks.length + cooldowns.length;
    return [keyCount, ...shared, ...chunks, ...cooldowns, ...argv];
  };
}

/**
 * x, y, colour, the IP-cooldown flag and the index of the pixel's chunk among the call's as the one
 * number place-pixels.lua unpacks (exact in a double: 16 + 14 + 14 + 8 + 1 bits). Throws on values
 * the packing cannot carry: the gateway's payload check never lets them through, so one reaching
 * here is a bug, not a refusal.
 */
export function packPixel(request: Pick<PlacementRequest, 'x' | 'y' | 'color' | 'applyIpCooldown'>, chunkIndex = 0): number {
  const { x, y, color } = request;
  if (!isBelow(x, PACKED_SIDE) || !isBelow(y, PACKED_SIDE) || !isBelow(color, PACKED_COLORS) || !isBelow(chunkIndex, PACKED_CHUNKS)) {
    throw new RangeError(
      `a placement at (${x}, ${y}) in colour ${color} (chunk ${chunkIndex} of its call) cannot be packed: x and y must be below ${PACKED_SIDE}, the colour below ${PACKED_COLORS}, the chunk below ${PACKED_CHUNKS}`,
    );
  }
  return (((chunkIndex * PACKED_SIDE + y) * PACKED_SIDE + x) * PACKED_COLORS + color) * 2 + (request.applyIpCooldown ? 1 : 0);
}

function isBelow(value: number, limit: number): boolean {
  return Number.isInteger(value) && value >= 0 && value < limit;
}

/** Throws unless a place-pixels reply answers `placements` placements. */
export function checkPlacePixelsReply(reply: PlacePixelsReply, placements: number): void {
  if (!Array.isArray(reply) || reply.length !== 1 + REPLY_FIELDS * placements) {
    throw new Error(`place-pixels answered ${Array.isArray(reply) ? reply.length : typeof reply} fields for ${placements} placements`);
  }
}

/** The outcome of the index-th placement (from 0) of a checked place-pixels reply. */
export function outcomeAt(reply: PlacePixelsReply, index: number): PlacementOutcome {
  const at = 1 + REPLY_FIELDS * index;
  return outcomeOfCode(Number(reply[at]), Number(reply[at + 1]), String(reply[at + 2]), Number(reply[0]));
}

/** The one place the script's numeric result codes get their meaning. */
function outcomeOfCode(code: number, time: number, eventId: string, configVersion: number): PlacementOutcome {
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
      throw new Error(`place-pixels returned unknown code ${String(code)}`);
  }
}

export interface PixelPlacer {
  place(request: PlacementRequest): Promise<PlacementOutcome>;
}

/**
 * Places pixels on one canvas, each as its own call of the place-pixels script (a batch of one,
 * sent at once). A placement is applied at most once only on a client that does not resend
 * unanswered commands (`resendUnanswered: false` in runtime's createRedisClient, which rejects
 * them with OutcomeUnknownError instead); placementFailureCode turns any failure into what the
 * player is told.
 */
export function createPixelPlacer(redis: RedisConnection, canvasId: string, streamMaxLength: number): PixelPlacer {
  const argsOf = placePixelsArgs(canvasId, streamMaxLength);
  return {
    async place(request) {
      const reply = await callScript<PlacePixelsReply>(redis, 'tesseraPlacePixels', argsOf([request]));
      checkPlacePixelsReply(reply, 1);
      return outcomeAt(reply, 0);
    },
  };
}

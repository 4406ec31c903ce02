import { canvasKeys, chunkOf } from '@tessera/protocol';
import type { RedisConnection } from './redis-connection.js';
import { callScript, defineScript } from './lua-scripts.js';
import { outcomeOfCode, type PixelPlacer, type PlacementOutcome, type PlacementRequest } from './placement.js';

/** Options of createBatchingPixelPlacer. */
export interface BatchingOptions {
  /**
   * Most placements sent in one script call (default 256). Redis runs a script without
   * interleaving anything, so this bounds how long one batch holds it (~2 ms at 256).
   */
  readonly maxBatch?: number;
}

const DEFAULTS = { maxBatch: 256 } as const;

/** The keys every placement of a canvas shares, sent once per batch. */
const SHARED_KEYS = 5;
/** Keys of one placement: chunk, owners, user cooldown, IP cooldown. */
const KEYS_PER_PLACEMENT = 4;
/** Reply fields of one placement after the config version: code, time, event id. */
const REPLY_FIELDS = 3;

interface Pending {
  readonly request: PlacementRequest;
  readonly resolve: (outcome: PlacementOutcome) => void;
  readonly reject: (error: unknown) => void;
}

type BatchReply = (number | string)[];

/**
 * Places pixels like createPixelPlacer, but every placement asked for in one turn of the event
 * loop (they arrive together: one socket read holds many events) goes to Redis as ONE call of the
 * place-pixels script, which judges each exactly as place-pixel-9.lua would, in arrival order.
 * Each caller gets its own outcome; a failed call (Redis error, lost connection) rejects every
 * placement of that batch with the same error, which placementFailureCode maps as for one.
 * Same at-most-once contract as createPixelPlacer: use a client that never resends.
 */
export function createBatchingPixelPlacer(redis: RedisConnection, canvasId: string, streamMaxLength: number, options: BatchingOptions = {}): PixelPlacer {
  defineScript(redis, 'tesseraPlacePixels');
  const maxBatch = options.maxBatch ?? DEFAULTS.maxBatch;
  if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new Error(`maxBatch must be a positive integer, got ${String(maxBatch)}`);
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

  let queue: Pending[] = [];
  let scheduled = false;

  const send = (batch: Pending[]): void => {
    const keyArgs: (string | number)[] = [SHARED_KEYS + KEYS_PER_PLACEMENT * batch.length, ...shared];
    const argv: (string | number)[] = [streamMaxLength, batch.length];
    for (const { request } of batch) {
      const { cx, cy, offset } = chunkOf(request.x, request.y);
      const [chunk, owners] = keysOfChunk(cx, cy);
      keyArgs.push(chunk, owners, keys.userCooldown(request.userId), keys.ipCooldown(request.ip));
      const prefixes = request.addressPrefixes ?? [];
      argv.push(request.x, request.y, request.color, request.userId, request.applyIpCooldown ? 1 : 0, offset, prefixes.length);
      for (const prefix of prefixes) argv.push(prefix);
    }
    for (const value of argv) keyArgs.push(value);
    callScript<BatchReply>(redis, 'tesseraPlacePixels', keyArgs).then(
      (reply) => settle(batch, reply),
      (error: unknown) => {
        for (const pending of batch) pending.reject(error);
      },
    );
  };

  const flush = (): void => {
    scheduled = false;
    const batch = queue;
    queue = [];
    if (batch.length > 0) send(batch);
  };

  return {
    place(request) {
      return new Promise<PlacementOutcome>((resolve, reject) => {
        queue.push({ request, resolve, reject });
        if (queue.length >= maxBatch) flush();
        else if (!scheduled) {
          scheduled = true;
          // After the poll phase: every event read from the sockets in this turn joins the batch.
          setImmediate(flush);
        }
      });
    },
  };
}

/** Hands each placement of a batch its own outcome from the script's flat reply. */
function settle(batch: readonly Pending[], reply: BatchReply): void {
  if (!Array.isArray(reply) || reply.length !== 1 + REPLY_FIELDS * batch.length) {
    const error = new Error(`place-pixels answered ${Array.isArray(reply) ? reply.length : typeof reply} fields for ${batch.length} placements`);
    for (const pending of batch) pending.reject(error);
    return;
  }
  const configVersion = Number(reply[0]);
  for (let i = 0; i < batch.length; i++) {
    const pending = batch[i]!;
    const at = 1 + REPLY_FIELDS * i;
    try {
      pending.resolve(outcomeOfCode(Number(reply[at]), Number(reply[at + 1]), String(reply[at + 2]), configVersion));
    } catch (error) {
      pending.reject(error);
    }
  }
}

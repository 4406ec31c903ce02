import type { RedisConnection } from './redis-connection.js';
import { callScript, isNoScriptError, scriptArgs, scriptOf } from './lua-scripts.js';
import { ReplicaShortfallError } from './placement-failure.js';
import {
  checkPlacePixelsReply,
  outcomeAt,
  packPixel,
  placePixelsArgs,
  type PixelPlacer,
  type PlacePixelsReply,
  type PlacementOutcome,
  type PlacementRequest,
} from './placement.js';

/** Options of createBatchingPixelPlacer. */
export interface BatchingOptions {
  /**
   * Most placements sent in one script call (default 256). Redis runs a script without
   * interleaving anything, so this bounds how long one batch holds it (~2 ms at 256).
   */
  readonly maxBatch?: number;
  /**
   * Replicas that must hold a batch before its placements are acknowledged (default 0: the
   * master's word is enough). Redis replicates asynchronously, so without this a failover can
   * promote a replica that never received placements the master already acknowledged; with it,
   * the batch is followed by `WAIT` on the same connection. It waits for at most as many replicas
   * as the master has connected (counted at most once a REPLICA_RECOUNT_MS, in the same pipeline):
   * a master left alone after a failover acknowledges on its own word rather than not at all.
   */
  readonly replicas?: number;
  /** How long WAIT may hold a batch (default 250 ms); a shortfall makes its accepted placements OUTCOME_UNKNOWN. */
  readonly replicaTimeoutMs?: number;
  /** Told of each batch whose accepted placements no enough replicas confirmed in time. */
  readonly onReplicaShortfall?: (shortfall: ReplicaShortfall) => void;
}

/** A batch the master accepted but fewer replicas than asked confirmed. */
export interface ReplicaShortfall {
  /** Replicas that confirmed in time (0 when WAIT itself failed). */
  readonly confirmed: number;
  readonly required: number;
  /** Accepted placements answered OUTCOME_UNKNOWN instead of ok. */
  readonly placements: number;
  /** WAIT's own error, when it failed rather than timed out. */
  readonly error?: unknown;
}

const DEFAULTS = { maxBatch: 256, replicas: 0, replicaTimeoutMs: 250 } as const;
/** How often the master's connected replicas are counted (an `INFO replication` riding with a batch). */
const REPLICA_RECOUNT_MS = 1_000;

interface Pending {
  readonly request: PlacementRequest;
  readonly resolve: (outcome: PlacementOutcome) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Places pixels like createPixelPlacer, but every placement asked for in one turn of the event
 * loop (they arrive together: one socket read holds many events) goes to Redis as ONE call of the
 * place-pixels script, which judges each exactly as a call of its own would, in arrival order.
 * Each caller gets its own outcome; a failed call (Redis error, lost connection) rejects every
 * placement of that batch with the same error, which placementFailureCode maps as for one.
 * Same at-most-once contract as createPixelPlacer: use a client that never resends.
 */
export function createBatchingPixelPlacer(redis: RedisConnection, canvasId: string, streamMaxLength: number, options: BatchingOptions = {}): PixelPlacer {
  const maxBatch = options.maxBatch ?? DEFAULTS.maxBatch;
  if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new Error(`maxBatch must be a positive integer, got ${String(maxBatch)}`);
  const replicas = options.replicas ?? DEFAULTS.replicas;
  if (!Number.isInteger(replicas) || replicas < 0) throw new Error(`replicas must be a non-negative integer, got ${String(replicas)}`);
  const replicaTimeoutMs = options.replicaTimeoutMs ?? DEFAULTS.replicaTimeoutMs;
  if (!Number.isInteger(replicaTimeoutMs) || replicaTimeoutMs < 1)
    throw new Error(`replicaTimeoutMs must be a positive integer, got ${String(replicaTimeoutMs)}`);
  const argsOf = placePixelsArgs(canvasId, streamMaxLength);

  let queue: Pending[] = [];
  let scheduled = false;
  // Until the first count says otherwise, every replica asked for is assumed connected.
  let connectedReplicas = replicas;
  let countedAt = 0;

  const script = scriptOf('tesseraPlacePixels');

  /** `cached` false: after a NOSCRIPT, the batch goes again as EVAL (the script ran nowhere). */
  const send = (batch: Pending[], cached = true): void => {
    const keyArgs = argsOf(batch.map((pending) => pending.request));
    const rejectAll = (error: unknown): void => {
      for (const pending of batch) pending.reject(error);
    };
    const waitFor = Math.min(replicas, connectedReplicas);
    const recount = replicas > 0 && Date.now() - countedAt >= REPLICA_RECOUNT_MS;
    if (waitFor === 0 && !recount) {
      callScript<PlacePixelsReply>(redis, 'tesseraPlacePixels', keyArgs).then((reply) => {
        settle(batch, reply);
      }, rejectAll);
      return;
    }
    if (recount) countedAt = Date.now();
    // One pipeline, so WAIT follows the script on the same connection and INFO asks the same
    // server (in Cluster mode too: both are keyless and travel with the script's slot).
    const pipeline = redis.pipeline();
    const args = scriptArgs(script, keyArgs);
    if (cached) pipeline.evalsha(script.sha, ...(args as [number, ...(string | number)[]]));
    else pipeline.eval(script.lua, ...(args as [number, ...(string | number)[]]));
    if (waitFor > 0) pipeline.call('WAIT', waitFor, replicaTimeoutMs);
    if (recount) pipeline.call('INFO', 'replication');
    pipeline.exec().then((results) => {
      const [placed, ...rest] = results ?? [];
      const wait = waitFor > 0 ? rest.shift() : undefined;
      const info = recount ? rest.shift() : undefined;
      if (info && !info[0]) connectedReplicas = connectedReplicasIn(String(info[1])) ?? connectedReplicas;
      if (cached && isNoScriptError(placed?.[0])) return void send(batch, false);
      if (!placed || placed[0]) {
        rejectAll(placed?.[0] ?? new Error('place-pixels: the pipeline answered nothing'));
        return;
      }
      const confirmed = wait && !wait[0] ? Number(wait[1]) : 0;
      if (waitFor === 0 || confirmed >= waitFor) {
        settle(batch, placed[1] as PlacePixelsReply);
        return;
      }
      const placements = settle(batch, placed[1] as PlacePixelsReply, () => new ReplicaShortfallError(confirmed, waitFor));
      // A batch of refusals wrote nothing: nothing was left unsafe.
      if (placements > 0) options.onReplicaShortfall?.({ confirmed, required: waitFor, placements, ...(wait?.[0] ? { error: wait[0] } : {}) });
    }, rejectAll);
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
        // A placement the packed arguments cannot carry fails alone, before it can fail its batch.
        packPixel(request);
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

/** `connected_slaves` of an `INFO replication` answer. */
function connectedReplicasIn(info: string): number | undefined {
  const match = /^connected_slaves:(\d+)/m.exec(info);
  return match ? Number(match[1]) : undefined;
}

/**
 * Hands each placement of a batch its own outcome from the script's flat reply. With `unconfirmed`,
 * accepted placements are rejected with its error instead (refusals wrote nothing, so they stand).
 * Returns how many accepted placements were rejected so.
 */
function settle(batch: readonly Pending[], reply: PlacePixelsReply, unconfirmed?: () => Error): number {
  try {
    checkPlacePixelsReply(reply, batch.length);
  } catch (error) {
    for (const pending of batch) pending.reject(error);
    return 0;
  }
  let rejected = 0;
  batch.forEach((pending, i) => {
    try {
      const outcome = outcomeAt(reply, i);
      if (outcome.ok && unconfirmed) {
        rejected++;
        pending.reject(unconfirmed());
      } else pending.resolve(outcome);
    } catch (error) {
      pending.reject(error);
    }
  });
  return rejected;
}

import { AdminErrorCode, canvasKeys } from '@tessera/protocol';
import { createRedisClient, type Logger, type RedisConfig } from '@tessera/runtime';
import { planRevert, type RedisConnection, type RevertPlan } from '@tessera/store';
import type { RevertHistoryClient } from '@tessera/snapshotter/revert-history-client';
import { AdminFailure } from './admin-operations.js';

/**
 * "Revert a user" beyond the event stream: when the stream lost entries after `since`, the
 * snapshotter replays the archive (keyframe + history segments in S3) up to the oldest entry the
 * stream still holds and says, per pixel, the colour before the user's first placement there.
 * That is merged with the stream's plan: the earliest first placement decides the previous
 * colour, and the archive's range ends where the stream's begins, so its answer wins where both
 * know a pixel. Without a snapshotter deployed the plan is the stream's alone and says so; with
 * one deployed that does not answer, the revert is refused (503) rather than silently partial.
 */
export type ArchiveUse = 'used' | 'not-deployed';

export interface MergedRevertPlan {
  readonly plan: RevertPlan;
  /** Set when the stream alone did not cover `since`: whether the archive filled the rest. */
  readonly archive?: ArchiveUse;
}

export interface RevertHistoryAccess {
  plan(userId: string, since: number): Promise<MergedRevertPlan>;
  close(): Promise<void>;
}

/** The highest sequence number of a stream id: a stream read from `ms-<max>` starts after `ms`. */
const MAX_SEQ = 0xffff_ffff;

export function createRevertHistoryAccess(deps: {
  readonly redis: RedisConnection;
  readonly redisConfig: RedisConfig;
  readonly canvasId: string;
  /** SNAPSHOTS_ENABLED: without a snapshotter nobody reads the archive. */
  readonly enabled: boolean;
  readonly timeoutMs: number;
  readonly log: Logger;
}): RevertHistoryAccess {
  const { redis, canvasId, log } = deps;
  let client: Promise<RevertHistoryClient> | undefined;
  let connection: RedisConnection | undefined;
  const archive = (): Promise<RevertHistoryClient> => {
    client ??= (async () => {
      // Imported on demand: a gateway without a snapshotter never loads BullMQ.
      const { createRevertHistoryClient } = await import('@tessera/snapshotter/revert-history-client');
      connection = createRedisClient(deps.redisConfig, log, { name: 'gateway-revert-history', failFast: false, autoPipelining: false });
      return createRevertHistoryClient({ connection, canvasId, timeoutMs: deps.timeoutMs });
    })();
    client.catch(() => (client = undefined));
    return client;
  };

  /** The oldest entry the stream holds now at or after `since`: the archive answers what lies before it. */
  async function streamStart(since: number): Promise<string> {
    const [first] = (await redis.xrange(canvasKeys(canvasId).events, `${since}-0`, '+', 'COUNT', 1)) as [string, string[]][];
    // An empty stream: everything up to now is archived (or lost).
    return first ? first[0] : `${Date.now()}-${MAX_SEQ}`;
  }

  return {
    async plan(userId, since) {
      const streamPlan = await planRevert(redis, canvasId, userId, since);
      if (streamPlan.coveredFrom === null) return { plan: streamPlan };
      if (!deps.enabled) return { plan: streamPlan, archive: 'not-deployed' };
      // Read after the scan: the archive's range then meets or overlaps the scanned one, never leaves a hole.
      const until = await streamStart(since);
      let answer;
      try {
        answer = await (await archive()).previousColors({ userId, since, until });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (isRefusal(error)) {
          if (error.code === 'BUSY') throw new AdminFailure(429, AdminErrorCode.HistoryJobsBusy, message);
          if (error.code === 'RANGE_TOO_LONG' || error.code === 'TOO_MANY_PIXELS') throw new AdminFailure(400, AdminErrorCode.RangeTooLong, message, 'since');
          throw new AdminFailure(400, AdminErrorCode.InvalidPayload, message);
        }
        log.warn({ err: message, userId, since }, 'the archived history for a revert could not be read');
        throw new AdminFailure(
          503,
          AdminErrorCode.SnapshotsUnavailable,
          `the event stream holds placements only from ${new Date(streamPlan.coveredFrom).toISOString()} (${streamPlan.coveredFrom}) and the snapshotter did not answer for the archived part; nothing was changed. Try again, or revert with since ≥ ${streamPlan.coveredFrom} from the stream alone`,
        );
      }
      const pixels = new Map(streamPlan.pixels);
      for (const pixel of answer.pixels) pixels.set(`${pixel.x},${pixel.y}`, { x: pixel.x, y: pixel.y, color: pixel.previous });
      // No keyframe: the bucket holds no snapshot, so the archive knows nothing before the stream.
      const coveredFrom = answer.keyframe === null ? streamPlan.coveredFrom : answer.gap ? (answer.exactFrom ?? streamPlan.coveredFrom) : null;
      return { plan: { pixels, unknown: streamPlan.unknown, coveredFrom }, archive: 'used' };
    },
    async close() {
      const made = await client?.catch(() => undefined);
      // Bounded: a queue's close waits on its connection, which must not hold up a shutdown.
      await Promise.race([made?.close().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
      connection?.disconnect();
    },
  };
}

/** A refusal from the client (matched by name: the client module is loaded on demand). */
function isRefusal(error: unknown): error is Error & { code: string } {
  return error instanceof Error && error.name === 'RevertHistoryRefused' && typeof (error as { code?: unknown }).code === 'string';
}

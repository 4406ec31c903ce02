import { canvasKeys, chunkOf, MODERATION_LIMITS, type CanvasKeys } from '@tessera/protocol';
import type { RedisConnection } from './redis-connection.js';
import { rewriteTarget, runRewrites, type RewriteReply } from './chunk-rewrites.js';
import { callScript } from './lua-scripts.js';

/** Stream entries per XRANGE while scanning for a user's placements. */
const SCAN_PAGE = 10_000;
/** Pixels one revert-pixels script call puts back at most (~5 ms), so placements never wait long. */
const PIXELS_PER_SCRIPT = 2_048;

/** The colour each pixel had before the user's first placement there since `since`. */
export interface RevertPlan {
  /** `x,y` → colour to put back. */
  readonly pixels: Map<string, { x: number; y: number; color: number }>;
  /** Placements of the user whose event carries no previous colour (written before events did). */
  readonly unknown: number;
  /** Epoch ms of the oldest entry the stream holds when entries at or after `since` were trimmed; else null. */
  readonly coveredFrom: number | null;
}

export type RevertOutcome =
  | { readonly kind: 'done'; readonly changed: number; readonly skipped: number; readonly lastEventId: string | undefined }
  | { readonly kind: 'missing' | 'remapping'; readonly changed: number; readonly skipped: number };

/** Whose pixels runRevert puts back, who is named in the events, and whether it only counts. */
interface RevertRunOptions {
  readonly userId: string;
  readonly adminUserId: string;
  readonly streamMaxLength: number;
  readonly dryRun: boolean;
}

type RevertReply = [code: number, changed: number, skipped: number, lastEventId: string];

/**
 * Reads the event stream from `since` on and keeps, for every pixel the user placed, the previous
 * colour of their first placement there (each event carries it: the `p` field the placement
 * script writes). Reading stops after MODERATION_LIMITS.maxRevertScan entries.
 */
export async function planRevert(redis: RedisConnection, canvasId: string, userId: string, since: number): Promise<RevertPlan> {
  const keys = canvasKeys(canvasId);
  const pixels = new Map<string, { x: number; y: number; color: number }>();
  let unknown = 0;
  let start = `${since}-0`;
  let read = 0;
  while (read < MODERATION_LIMITS.maxRevertScan) {
    const page = (await redis.xrange(keys.events, start, '+', 'COUNT', SCAN_PAGE)) as [string, string[]][];
    for (const [, fields] of page) {
      const values = fieldsOf(fields);
      if (values.u !== userId) continue;
      const x = Number(values.x);
      const y = Number(values.y);
      if (!Number.isInteger(x) || !Number.isInteger(y) || x < 0 || y < 0) continue;
      const key = `${x},${y}`;
      if (pixels.has(key)) continue;
      const previous = Number(values.p);
      if (values.p === undefined || !Number.isInteger(previous) || previous < 0 || previous > 255) {
        unknown++;
        continue;
      }
      pixels.set(key, { x, y, color: previous });
    }
    read += page.length;
    const last = page[page.length - 1];
    if (!last || page.length < SCAN_PAGE) break;
    start = `(${last[0]}`;
  }
  return { pixels, unknown, coveredFrom: await trimmedAfter(redis, keys.events, since) };
}

/**
 * Puts the plan's pixels back (or, with dryRun, counts what would change) through
 * revert-pixels-5.lua, chunk by chunk: a pixel changes only while the user still owns it.
 */
export async function runRevert(redis: RedisConnection, canvasId: string, plan: RevertPlan, options: RevertRunOptions): Promise<RevertOutcome> {
  const keys = canvasKeys(canvasId);
  const byChunk = new Map<string, { cx: number; cy: number; args: number[] }>();
  for (const { x, y, color } of plan.pixels.values()) {
    const { cx, cy, offset } = chunkOf(x, y);
    const id = `${cx},${cy}`;
    let chunk = byChunk.get(id);
    if (!chunk) byChunk.set(id, (chunk = { cx, cy, args: [] }));
    chunk.args.push(offset, color);
  }
  const run = await runRewrites('revert-pixels', revertCalls(redis, keys, byChunk.values(), options));
  const { changed, skipped } = run;
  return run.verdict === 'done' ? { kind: 'done', changed, skipped, lastEventId: run.lastEventId } : { kind: run.verdict, changed, skipped };
}

/** One revert-pixels call per PIXELS_PER_SCRIPT pixels of a chunk, chunk by chunk. */
function* revertCalls(
  redis: RedisConnection,
  keys: CanvasKeys,
  chunks: Iterable<{ cx: number; cy: number; args: number[] }>,
  options: RevertRunOptions,
): Generator<() => Promise<RewriteReply>> {
  for (const { cx, cy, args } of chunks) {
    for (let from = 0; from < args.length; from += PIXELS_PER_SCRIPT * 2) {
      yield async () => {
        const [code, changed, skipped, lastEventId] = await callScript<RevertReply>(redis, 'tesseraRevertPixels', [
          ...rewriteTarget(keys, cx, cy),
          options.userId,
          options.adminUserId,
          options.streamMaxLength,
          options.dryRun ? 1 : 0,
          ...args.slice(from, from + PIXELS_PER_SCRIPT * 2),
        ]);
        return { code, changed, skipped, lastEventId };
      };
    }
  }
}

function fieldsOf(fields: string[]): Record<string, string> {
  const values: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) values[fields[i]!] = fields[i + 1]!;
  return values;
}

/** The oldest entry's time when the stream has lost entries at or after `since`, else null. */
async function trimmedAfter(redis: RedisConnection, stream: string, since: number): Promise<number | null> {
  const info = (await redis.call('XINFO', 'STREAM', stream).catch(() => null)) as unknown[] | null;
  if (!info) return null;
  const field = (name: string): unknown => info[info.indexOf(name) + 1];
  const deleted = (field('max-deleted-entry-id') as string | undefined) ?? '0-0';
  const deletedMs = Number(deleted.split('-')[0]);
  const first = field('first-entry') as [string, string[]] | null;
  const firstMs = first ? Number(first[0].split('-')[0]) : Date.now();
  // Trimming (XADD MAXLEN, XTRIM) does not move max-deleted-entry-id (Redis 7.0): when entries were
  // removed and the oldest one left is at or after `since`, some removed ones may have been too.
  const removed = Number(field('entries-added') ?? 0) - Number(field('length') ?? 0);
  if (!(deletedMs >= since) && !(removed > 0 && firstMs >= since)) return null;
  return firstMs;
}

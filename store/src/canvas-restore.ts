import { randomBytes } from 'node:crypto';
import { canvasKeys, chunkGrid, chunkId, type ChunkData } from '@tessera/protocol';
import type { RedisConnection } from './redis-connection.js';
import { callScript } from './lua-scripts.js';

/** What to put back: a config hash and the chunks that exist (all others become background). */
export interface CanvasRestoreInput {
  /** Every field of the config hash; `version` is replaced by max(current, this one) + 1. */
  readonly configHash: Readonly<Record<string, string>>;
  readonly chunks: readonly ChunkData[];
}

export interface CanvasRestoreOptions {
  /** `always` (default) replaces whatever is there; `if-missing` restores only onto an empty Redis. */
  readonly mode?: 'always' | 'if-missing';
  /** How long staged chunks live if the restore dies half-way (default 10 minutes). */
  readonly stagingTtlMs?: number;
}

export type CanvasRestoreOutcome =
  | { readonly restored: true; readonly version: number }
  /** `if-missing` found a canvas: nothing was changed. */
  | { readonly restored: false; readonly version: number };

export const RESTORE_DEFAULTS = {
  mode: 'always',
  /** Long enough to stage the largest canvas; short enough that a crashed restore leaves no lasting garbage. */
  stagingTtlMs: 600_000,
  /** Staged chunks per pipeline round trip. */
  stagingBatch: 64,
  /** A resize between looking at the config and the swap: look again this many times. */
  maxAttempts: 5,
} as const;

type RestoreReply = [code: number, version: number];
type RestoreCode = 'restored' | 'changed' | 'staged-missing' | 'exists';

/** The one place the restore script's result codes get their meaning. */
export function restoreCode(code: number): RestoreCode {
  switch (code) {
    case 0:
      return 'restored';
    case 1:
      return 'changed';
    case 2:
      return 'staged-missing';
    case 3:
      return 'exists';
    default:
      throw new Error(`restore-canvas returned unknown code ${String(code)}`);
  }
}

/**
 * Replaces a canvas's chunks and config in one atomic step (see restore-canvas.lua): chunks are
 * first staged under temporary keys of the same hash tag, then swapped in with the config and
 * the end of the writer's epoch. Cooldowns, bans, the event stream and the audit stream are
 * left alone. Readers see the old canvas or the new one, never a mixture.
 */
export async function restoreCanvas(
  redis: RedisConnection,
  canvasId: string,
  input: CanvasRestoreInput,
  options: CanvasRestoreOptions = {},
): Promise<CanvasRestoreOutcome> {
  const mode = options.mode ?? RESTORE_DEFAULTS.mode;
  const keys = canvasKeys(canvasId);
  const width = Number(input.configHash.width);
  const height = Number(input.configHash.height);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error('the config to restore has no valid width and height');
  }
  const snapshotVersion = Number(input.configHash.version ?? 0);
  if (!Number.isSafeInteger(snapshotVersion) || snapshotVersion < 0) throw new Error('the config to restore has an invalid version');
  const fields: string[] = [];
  for (const [field, value] of Object.entries(input.configHash)) if (field !== 'version') fields.push(field, value);

  const staging = `${keys.prefix}restore:${randomBytes(8).toString('hex')}:`;
  const moves: string[] = [];
  const seen = new Set<string>();
  for (const chunk of input.chunks) {
    const id = chunkId(chunk.cx, chunk.cy);
    if (seen.has(id)) throw new Error(`chunk ${id} appears twice in the canvas to restore`);
    seen.add(id);
    if (chunk.bytes.length > 0) moves.push(`${staging}${chunk.cx}:${chunk.cy}`, keys.chunk(chunk.cx, chunk.cy));
  }
  try {
    await stage(redis, input.chunks, staging, options.stagingTtlMs ?? RESTORE_DEFAULTS.stagingTtlMs);
    for (let attempt = 0; attempt < RESTORE_DEFAULTS.maxAttempts; attempt++) {
      const seenSize = await redis.hmget(keys.config, 'width', 'height');
      // Who placed the restored pixels is not known: the owners of both grids are forgotten.
      const deletes = [
        ...gridKeys((cx, cy) => keys.chunk(cx, cy), width, height, seenSize[0], seenSize[1]),
        ...gridKeys((cx, cy) => keys.owners(cx, cy), width, height, seenSize[0], seenSize[1]),
      ];
      const [code, version] = await callScript<RestoreReply>(redis, 'tesseraRestoreCanvas', [
        2 + deletes.length + moves.length,
        keys.config,
        keys.writerState,
        ...deletes,
        ...moves,
        deletes.length,
        moves.length / 2,
        seenSize[0] ?? '',
        seenSize[1] ?? '',
        mode,
        snapshotVersion,
        ...fields,
      ]);
      switch (restoreCode(code)) {
        case 'restored':
          return { restored: true, version };
        case 'exists':
          return { restored: false, version };
        case 'staged-missing':
          throw new Error('staged chunks expired before the restore could swap them in');
        case 'changed':
          continue;
      }
    }
    throw new Error(`the canvas kept changing during ${RESTORE_DEFAULTS.maxAttempts} restore attempts`);
  } finally {
    // After a swap the staged keys are gone already; after a failure they must not linger.
    await unstage(redis, moves).catch(() => undefined);
  }
}

/** Every chunk key of the snapshot's grid and of the current one (if any), once each. */
function gridKeys(
  chunkKey: (cx: number, cy: number) => string,
  width: number,
  height: number,
  currentWidth: string | null | undefined,
  currentHeight: string | null | undefined,
): string[] {
  const next = chunkGrid(width, height);
  const current = currentWidth && currentHeight ? chunkGrid(Number(currentWidth), Number(currentHeight)) : { columns: 0, rows: 0 };
  const columns = Math.max(next.columns, current.columns);
  const rows = Math.max(next.rows, current.rows);
  const out: string[] = [];
  for (let cy = 0; cy < rows; cy++) {
    for (let cx = 0; cx < columns; cx++) {
      const inNext = cx < next.columns && cy < next.rows;
      const inCurrent = cx < current.columns && cy < current.rows;
      if (inNext || inCurrent) out.push(chunkKey(cx, cy));
    }
  }
  return out;
}

async function stage(redis: RedisConnection, chunks: readonly ChunkData[], staging: string, ttlMs: number): Promise<void> {
  for (let start = 0; start < chunks.length; start += RESTORE_DEFAULTS.stagingBatch) {
    const pipeline = redis.pipeline();
    for (const chunk of chunks.slice(start, start + RESTORE_DEFAULTS.stagingBatch)) {
      if (chunk.bytes.length === 0) continue;
      const value = Buffer.from(chunk.bytes.buffer, chunk.bytes.byteOffset, chunk.bytes.byteLength);
      pipeline.set(`${staging}${chunk.cx}:${chunk.cy}`, value, 'PX', ttlMs);
    }
    const results = await pipeline.exec();
    for (const [error] of results ?? []) if (error) throw error;
  }
}

async function unstage(redis: RedisConnection, moves: readonly string[]): Promise<void> {
  const staged = moves.filter((_, index) => index % 2 === 0);
  for (let start = 0; start < staged.length; start += RESTORE_DEFAULTS.stagingBatch) {
    await redis.del(...staged.slice(start, start + RESTORE_DEFAULTS.stagingBatch));
  }
}

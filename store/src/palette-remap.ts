import { canvasKeys, chunkId, parsePosition, type StreamPosition } from '@tessera/protocol';
import type { RedisConnection } from './redis-connection.js';
import { adminKeys, AUDIT_MAX_LENGTH, type AuditRecord } from './admin-keys.js';
import { callScript } from './lua-scripts.js';

/**
 * Removing colours rewrites every chunk, which is too much for one script on a big canvas, so it
 * runs in three steps (see the scripts for why a placement racing with it is always right):
 * begin (narrow placements to indices that keep their number), one script per chunk, finish
 * (install the new palette, one version). The state lives in Redis with a lease, so a gateway
 * that dies half-way leaves a remap any other gateway can finish.
 */
export interface PaletteRemapPlan {
  /** Unique per remap, so a late step of an older remap can never touch a newer one. */
  readonly id: string;
  /** The config version the plan was computed from. */
  readonly expectedVersion: number;
  /** 256 entries: new index of each old index. */
  readonly table: Uint8Array;
  readonly palette: readonly string[];
  /** Placements are limited to indices below this one until the remap finishes. */
  readonly firstRemoved: number;
  /** The chunk grid of the canvas now: every chunk that may hold a removed index. */
  readonly columns: number;
  readonly rows: number;
}

export type RemapStartOutcome =
  | { readonly kind: 'started'; readonly auditId: string }
  | { readonly kind: 'missing' }
  | { readonly kind: 'conflict'; readonly version: number }
  | { readonly kind: 'remapping' };

export type RemapFinishOutcome = { readonly kind: 'finished'; readonly version: number; readonly position: StreamPosition } | { readonly kind: 'none' };

export interface RemapState {
  readonly id: string;
  readonly columns: number;
  readonly rows: number;
  /** Epoch ms (Redis clock) until which whoever runs the remap is presumed alive. */
  readonly leaseUntil: number;
}

type BeginReply = [code: number, version: number, auditId: string];
type FinishReply = [code: number, version: number, position: string];

/** The one place the remap scripts' result codes get their meaning. */
export function remapStartOutcome(reply: BeginReply): RemapStartOutcome {
  const [code, version, auditId] = reply;
  switch (code) {
    case 0:
      return { kind: 'started', auditId };
    case 1:
      return { kind: 'missing' };
    case 2:
      return { kind: 'conflict', version };
    case 3:
      return { kind: 'remapping' };
    default:
      throw new Error(`begin-palette-remap returned unknown code ${String(code)}`);
  }
}

export function remapChunkOutcome(code: number): 'rewritten' | 'already-done' | 'no-remap' {
  switch (code) {
    case 0:
      return 'rewritten';
    case 1:
      return 'already-done';
    case 2:
      return 'no-remap';
    default:
      throw new Error(`remap-chunk returned unknown code ${String(code)}`);
  }
}

export function remapFinishOutcome(reply: FinishReply): RemapFinishOutcome {
  const [code, version, position] = reply;
  switch (code) {
    case 0:
      return { kind: 'finished', version, position: parsePosition(position) ?? { ms: 0, seq: 0 } };
    case 2:
      return { kind: 'none' };
    default:
      throw new Error(`finish-palette-remap returned unknown code ${String(code)}`);
  }
}

export async function beginPaletteRemap(
  redis: RedisConnection,
  canvasId: string,
  plan: PaletteRemapPlan,
  leaseMs: number,
  audit: AuditRecord,
): Promise<RemapStartOutcome> {
  if (plan.table.length !== 256) throw new Error('a remap table has 256 entries');
  const keys = canvasKeys(canvasId);
  const admin = adminKeys(canvasId);
  const reply = await callScript<BeginReply>(redis, 'tesseraBeginPaletteRemap', [
    keys.config,
    admin.remap,
    keys.audit,
    plan.expectedVersion,
    Buffer.from(plan.table),
    JSON.stringify(plan.palette),
    plan.palette.length,
    plan.firstRemoved,
    plan.columns,
    plan.rows,
    plan.id,
    leaseMs,
    AUDIT_MAX_LENGTH,
    audit.actor,
    JSON.stringify(audit.details),
  ]);
  return remapStartOutcome(reply);
}

/** The remap in progress, or undefined. */
export async function readPaletteRemap(redis: RedisConnection, canvasId: string): Promise<RemapState | undefined> {
  const [id, columns, rows, lease] = await redis.hmget(adminKeys(canvasId).remap, 'id', 'columns', 'rows', 'lease');
  if (id == null || columns == null || rows == null) return undefined;
  return { id, columns: Number(columns), rows: Number(rows), leaseUntil: Number(lease ?? 0) };
}

/** True when the config is marked as remapping (placements are narrowed, palette edits wait). */
export async function isRemapping(redis: RedisConnection, canvasId: string): Promise<boolean> {
  return (await redis.hget(canvasKeys(canvasId).config, 'remapping')) === '1';
}

/** Chunk scripts in flight at once: enough to keep Redis busy, few enough to let placements in between. */
const REMAP_CONCURRENCY = 4;

/**
 * Rewrites every chunk of the remap in progress not yet rewritten, then finishes it: used by the
 * gateway that began the remap and by any gateway that finds one whose lease ran out. Safe to run
 * twice at once. With no remap state but a config still marked as remapping, repairs the mark.
 */
export async function completePaletteRemap(redis: RedisConnection, canvasId: string, leaseMs: number): Promise<RemapFinishOutcome> {
  const keys = canvasKeys(canvasId);
  const admin = adminKeys(canvasId);
  const state = await readPaletteRemap(redis, canvasId);
  if (state) {
    const ids: { cx: number; cy: number }[] = [];
    for (let cy = 0; cy < state.rows; cy++) for (let cx = 0; cx < state.columns; cx++) ids.push({ cx, cy });
    let next = 0;
    let stopped = false;
    const worker = async (): Promise<void> => {
      while (!stopped && next < ids.length) {
        const { cx, cy } = ids[next++]!;
        const code = await callScript<number>(redis, 'tesseraRemapChunk', [
          admin.remap,
          admin.remapDone,
          keys.chunk(cx, cy),
          chunkId(cx, cy),
          state.id,
          leaseMs,
        ]);
        if (remapChunkOutcome(code) === 'no-remap') stopped = true; // someone else finished it
      }
    };
    await Promise.all(Array.from({ length: REMAP_CONCURRENCY }, worker));
  }
  const reply = await callScript<FinishReply>(redis, 'tesseraFinishPaletteRemap', [keys.config, admin.remap, admin.remapDone, keys.events, state?.id ?? '']);
  return remapFinishOutcome(reply);
}

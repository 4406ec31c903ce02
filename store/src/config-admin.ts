import { canvasKeys, chunkGrid, CHUNK_SIZE, parsePosition, type StreamPosition } from '@tessera/protocol';
import type { RedisConnection } from './redis-connection.js';
import { AUDIT_MAX_LENGTH, type AuditRecord } from './admin-keys.js';
import { callScript } from './lua-scripts.js';

export type ConfigWriteOutcome =
  | { readonly kind: 'changed'; readonly version: number; readonly auditId: string }
  | { readonly kind: 'missing' }
  | { readonly kind: 'conflict'; readonly version: number }
  | { readonly kind: 'remapping' };

type SetConfigReply = [code: number, version: number, auditId: string];

/** The one place admin-set-config-2.lua's result codes get their meaning. */
export function configWriteOutcome(reply: SetConfigReply): ConfigWriteOutcome {
  const [code, version, auditId] = reply;
  switch (code) {
    case 0:
      return { kind: 'changed', version, auditId };
    case 1:
      return { kind: 'missing' };
    case 2:
      return { kind: 'conflict', version };
    case 3:
      return { kind: 'remapping' };
    default:
      throw new Error(`admin-set-config returned unknown code ${String(code)}`);
  }
}

export interface ConfigWrite {
  /** Config fields to set (hash field → value). */
  readonly fields: Readonly<Record<string, string | number>>;
  /** The version the change was computed from; undefined: apply to whatever is there. */
  readonly expectedVersion?: number;
  /** Refuse while a palette remap is rewriting the canvas (palette edits). */
  readonly refuseWhileRemapping?: boolean;
  readonly action: string;
  readonly audit: AuditRecord;
}

/** Sets config fields, bumps the version and writes the audit entry in one script. */
export async function writeCanvasConfig(redis: RedisConnection, canvasId: string, write: ConfigWrite): Promise<ConfigWriteOutcome> {
  const keys = canvasKeys(canvasId);
  const pairs = Object.entries(write.fields).flatMap(([field, value]) => [field, String(value)]);
  const reply = await callScript<SetConfigReply>(redis, 'tesseraAdminSetConfig', [
    keys.config,
    keys.audit,
    write.expectedVersion === undefined ? '' : String(write.expectedVersion),
    write.refuseWhileRemapping ? 1 : 0,
    AUDIT_MAX_LENGTH,
    write.action,
    write.audit.actor,
    JSON.stringify(write.audit.details),
    ...pairs,
  ]);
  return configWriteOutcome(reply);
}

export type ResizeOutcome =
  | {
      readonly kind: 'resized';
      readonly version: number;
      /** Chunks that held pixels outside the new bounds (erased). */
      readonly chunksErased: number;
      /** Newest event id when the resize happened. */
      readonly position: StreamPosition;
      readonly auditId: string;
    }
  | { readonly kind: 'missing' }
  | { readonly kind: 'conflict'; readonly version: number };

type ResizeReply = [code: number, version: number, erased: number, position: string, auditId: string];

/** The one place resize-canvas-v2.lua's result codes get their meaning. */
export function resizeOutcome(reply: ResizeReply): ResizeOutcome {
  const [code, version, erased, position, auditId] = reply;
  switch (code) {
    case 0:
      return { kind: 'resized', version, chunksErased: erased, position: parsePosition(position) ?? { ms: 0, seq: 0 }, auditId };
    case 1:
      return { kind: 'missing' };
    case 2:
      return { kind: 'conflict', version };
    default:
      throw new Error(`resize-canvas returned unknown code ${String(code)}`);
  }
}

/** Chunks of a `from` grid that reach into the area a shrink to `to` removes: the ones to clip. */
export function chunksOutside(
  from: { readonly width: number; readonly height: number },
  to: { readonly width: number; readonly height: number },
): { cx: number; cy: number }[] {
  const { columns, rows } = chunkGrid(from.width, from.height);
  const outside: { cx: number; cy: number }[] = [];
  for (let cy = 0; cy < rows; cy++) {
    for (let cx = 0; cx < columns; cx++) {
      const narrower = to.width < from.width && (cx + 1) * CHUNK_SIZE > to.width;
      const shorter = to.height < from.height && (cy + 1) * CHUNK_SIZE > to.height;
      if (narrower || shorter) outside.push({ cx, cy });
    }
  }
  return outside;
}

/**
 * Resizes the canvas from `from` (the config at `expectedVersion`) to `to` in one script,
 * erasing what lies outside a smaller canvas (see resize-canvas-v2.lua).
 */
export async function resizeCanvas(
  redis: RedisConnection,
  canvasId: string,
  from: { readonly width: number; readonly height: number; readonly version: number },
  to: { readonly width: number; readonly height: number },
  audit: AuditRecord,
): Promise<ResizeOutcome> {
  const keys = canvasKeys(canvasId);
  const chunks = chunksOutside(from, to);
  const reply = await callScript<ResizeReply>(redis, 'tesseraResizeCanvas', [
    3 + chunks.length * 2,
    keys.config,
    keys.audit,
    keys.events,
    ...chunks.map(({ cx, cy }) => keys.chunk(cx, cy)),
    ...chunks.map(({ cx, cy }) => keys.owners(cx, cy)),
    from.version,
    to.width,
    to.height,
    AUDIT_MAX_LENGTH,
    audit.actor,
    JSON.stringify(audit.details),
    ...chunks.flatMap(({ cx, cy }) => [cx, cy]),
  ]);
  return resizeOutcome(reply);
}

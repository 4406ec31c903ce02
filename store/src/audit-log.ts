import { canvasKeys, parsePosition } from '@tessera/protocol';
import type { RedisConnection } from './redis-connection.js';
import { AUDIT_MAX_LENGTH, type AuditRecord } from './admin-keys.js';

/** One entry of a canvas's audit stream. */
export interface AuditLogEntry {
  readonly id: string;
  readonly action: string;
  readonly actor: string;
  readonly at: number;
  readonly details: Record<string, unknown>;
}

/**
 * Appends an audit entry on its own, for actions that take several scripts (a rollback, a
 * snapshot); single-script actions write theirs inside the script.
 */
export async function appendAudit(redis: RedisConnection, canvasId: string, action: string, record: AuditRecord): Promise<string> {
  const id = await redis.xadd(
    canvasKeys(canvasId).audit,
    'MAXLEN',
    '~',
    AUDIT_MAX_LENGTH,
    '*',
    'action',
    action,
    'actor',
    record.actor,
    'at',
    Date.now(),
    'details',
    JSON.stringify(record.details),
  );
  if (!id) throw new Error('audit XADD returned no id');
  return id;
}

/** Newest first: up to `limit` entries older than `before` (exclusive; default: from the newest). */
export async function readAudit(redis: RedisConnection, canvasId: string, limit: number, before?: string): Promise<AuditLogEntry[]> {
  const entries = (await redis.xrevrange(canvasKeys(canvasId).audit, before ? `(${before}` : '+', '-', 'COUNT', limit)) as [string, string[]][];
  return entries.map(([id, fields]) => parseAuditEntry(id, fields));
}

function parseAuditEntry(id: string, fields: string[]): AuditLogEntry {
  const values: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) values[fields[i]!] = fields[i + 1]!;
  let details: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(values.details ?? '{}');
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) details = parsed as Record<string, unknown>;
  } catch {
    details = { unparsed: values.details };
  }
  const at = Number(values.at);
  return {
    id,
    action: values.action ?? '',
    actor: values.actor ?? '',
    at: Number.isSafeInteger(at) ? at : (parsePosition(id)?.ms ?? 0),
    details,
  };
}

import type { AuditAction } from '@tessera/protocol';
import type { RedisConnection } from './redis-connection.js';
import { AUDIT_MAX_LENGTH, type AuditRecord } from './admin-keys.js';
import { callScript } from './lua-scripts.js';

/**
 * Where one kind of ban is kept: users (bans.ts) and address prefixes (address-bans.ts) are banned,
 * lifted and listed by the same rules (ban-3.lua, unban-3.lua), each in its own hashes.
 */
export interface BanLedger {
  /** Hash: banned field → expiry in epoch ms (0: forever), the one the placement script reads. */
  readonly expiries: string;
  /** Hash: banned field → JSON { reason, by, at, expiresAt }. */
  readonly details: string;
  readonly audit: string;
  /** The audit actions of a ban and of its lifting: the one difference between the kinds. */
  readonly banAction: AuditAction;
  readonly unbanAction: AuditAction;
}

/** A ban in force, by the field it bans (a user id or a canonical prefix). */
export interface LedgerBan {
  readonly field: string;
  /** Epoch ms when the ban ends; 0: never. */
  readonly expiresAt: number;
  readonly reason: string;
  readonly by: string;
  readonly at: number;
}

/** True when a ban expiring at `expiresAt` is in force at `now` (epoch ms). */
export function banActive(expiresAt: number, now: number): boolean {
  return expiresAt === 0 || expiresAt > now;
}

/** Bans a field (see ban-3.lua); durationMs 0 bans forever; banning again replaces the ban. */
export async function writeBan(
  redis: RedisConnection,
  ledger: BanLedger,
  ban: { readonly field: string; readonly durationMs: number; readonly reason: string },
  audit: AuditRecord,
): Promise<LedgerBan> {
  const [expiresAt, at] = await callScript<[number, number, string]>(redis, 'tesseraBan', [
    ledger.expiries,
    ledger.details,
    ledger.audit,
    ban.field,
    ban.durationMs,
    ban.reason,
    AUDIT_MAX_LENGTH,
    audit.actor,
    JSON.stringify(audit.details),
    ledger.banAction,
  ]);
  return { field: ban.field, expiresAt, reason: ban.reason, by: audit.actor, at };
}

/** Lifts a field's ban (see unban-3.lua); false when it was not banned. */
export async function liftBan(redis: RedisConnection, ledger: BanLedger, field: string, audit: AuditRecord): Promise<boolean> {
  const [removed] = await callScript<[number, string]>(redis, 'tesseraUnban', [
    ledger.expiries,
    ledger.details,
    ledger.audit,
    field,
    AUDIT_MAX_LENGTH,
    audit.actor,
    JSON.stringify(audit.details),
    ledger.unbanAction,
  ]);
  return removed === 1;
}

/** Bans in force, newest first (expired entries stay in the hashes, harmless, until a re-ban or unban). */
export async function readBansInForce(redis: RedisConnection, ledger: BanLedger, now: number): Promise<LedgerBan[]> {
  const [expiries, details] = await Promise.all([redis.hgetall(ledger.expiries), redis.hgetall(ledger.details)]);
  const bans: LedgerBan[] = [];
  for (const [field, value] of Object.entries(expiries)) {
    const expiresAt = Number(value);
    if (!banActive(expiresAt, now)) continue;
    let info: Record<string, unknown> = {};
    try {
      info = JSON.parse(details[field] ?? '{}') as Record<string, unknown>;
    } catch {
      // a ban written by hand: expiry only
    }
    bans.push({
      field,
      expiresAt,
      reason: typeof info.reason === 'string' ? info.reason : '',
      by: typeof info.by === 'string' ? info.by : '',
      at: typeof info.at === 'number' ? info.at : 0,
    });
  }
  return bans.sort((a, b) => b.at - a.at || a.field.localeCompare(b.field));
}

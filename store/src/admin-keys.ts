import { canvasKeys } from '@tessera/protocol';

/**
 * Keys the admin operations keep beside the protocol's canvas keys, under the same hash tag so
 * one script may touch them together with the config, the chunks and the streams.
 */
export interface AdminKeys {
  /** Hash: userId → JSON { reason, by, at, expiresAt } (the `bans` hash holds the expiry the placement script reads). */
  readonly banDetails: string;
  /** Hash: address prefix → JSON { reason, by, at, expiresAt } (`addressBans` holds the expiry the placement script reads). */
  readonly addressBanDetails: string;
  /** Hash: the palette remap in progress (lookup table, new palette, lease). */
  readonly remap: string;
  /** Set: chunks (`cx,cy`) the remap in progress has rewritten. */
  readonly remapDone: string;
}

export function adminKeys(canvasId: string): AdminKeys {
  const { prefix } = canvasKeys(canvasId);
  return Object.freeze({
    banDetails: `${prefix}bans:details`,
    addressBanDetails: `${prefix}address-bans:details`,
    remap: `${prefix}remap`,
    remapDone: `${prefix}remap:done`,
  });
}

/** Cap on the audit stream's length (approximate, MAXLEN ~). */
export const AUDIT_MAX_LENGTH = 100_000;

/** Who did an admin action and with what, as written into the audit stream. */
export interface AuditRecord {
  readonly actor: string;
  readonly details: Readonly<Record<string, unknown>>;
}

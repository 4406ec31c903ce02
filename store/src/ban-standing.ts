import { canvasKeys, type BanNotice } from '@tessera/protocol';
import { adminKeys } from './admin-keys.js';
import { banActive } from './ban-ledger.js';
import type { RedisConnection } from './redis-connection.js';

/**
 * The ban a connecting player is under, if any: theirs, else the first covering address ban in
 * force. The handshake admits a banned player read-only and tells them why and until when; the
 * placement script still judges every pixel. Of several bans in force, the longest is shown.
 */
export async function readBanStanding(
  redis: RedisConnection,
  canvasId: string,
  userId: string,
  prefixes: readonly string[],
  now = Date.now(),
): Promise<BanNotice | undefined> {
  const keys = canvasKeys(canvasId);
  const details = adminKeys(canvasId);
  const [userExpiry, addressExpiries] = await Promise.all([
    redis.hget(keys.bans, userId),
    prefixes.length > 0 ? redis.hmget(keys.addressBans, ...prefixes) : Promise.resolve([] as (string | null)[]),
  ]);
  const active: { expiresAt: number; detailsKey: string; field: string }[] = [];
  if (userExpiry !== null && banActive(Number(userExpiry), now)) active.push({ expiresAt: Number(userExpiry), detailsKey: details.banDetails, field: userId });
  addressExpiries.forEach((expiry, index) => {
    const prefix = prefixes[index];
    if (expiry !== null && prefix !== undefined && banActive(Number(expiry), now)) {
      active.push({ expiresAt: Number(expiry), detailsKey: details.addressBanDetails, field: prefix });
    }
  });
  if (active.length === 0) return undefined;
  // 0 is forever: it outlasts any expiry.
  const longest = active.reduce((a, b) => (a.expiresAt === 0 || (b.expiresAt !== 0 && a.expiresAt >= b.expiresAt) ? a : b));
  return { reason: reasonOf(await redis.hget(longest.detailsKey, longest.field)), expiresAt: longest.expiresAt };
}

function reasonOf(details: string | null): string {
  try {
    const parsed = JSON.parse(details ?? '{}') as Record<string, unknown>;
    return typeof parsed.reason === 'string' ? parsed.reason : '';
  } catch {
    return ''; // a ban written by hand: expiry only
  }
}

import { canvasKeys, chunkOf, type OwnerKind } from '@tessera/protocol';
import type { RedisConnection } from './redis-connection.js';

/** A pixel's colour and who placed it, read together (one MULTI), as the owners index holds them. */
export interface PixelOwnerRecord {
  readonly color: number;
  /** The user of the pixel's newest event; undefined when nobody is on record. */
  readonly userId: string | undefined;
  /** Epoch ms, to the second; undefined with no owner. */
  readonly placedAt: number | undefined;
}

/** Accounts are `a_<sub>`, rollbacks `admin:<name>`, everything else a guest session. */
export function ownerKind(userId: string): OwnerKind {
  if (userId.startsWith('admin:')) return 'admin';
  if (userId.startsWith('a_')) return 'user';
  return 'guest';
}

/**
 * Reads a pixel and its owner. The colour and the owner slot come from one MULTI, so they belong
 * to the same moment (the placement script writes both together); the number → id mapping never
 * changes once given, so resolving it afterwards is safe.
 */
export async function readPixelOwner(redis: RedisConnection, canvasId: string, x: number, y: number): Promise<PixelOwnerRecord> {
  const keys = canvasKeys(canvasId);
  const { cx, cy, offset } = chunkOf(x, y);
  const replies = await redis
    .multi()
    .bitfield(keys.chunk(cx, cy), 'GET', 'u8', `#${offset}`)
    .bitfield(keys.owners(cx, cy), 'GET', 'u32', `#${offset * 2}`)
    .bitfield(keys.owners(cx, cy), 'GET', 'u32', `#${offset * 2 + 1}`)
    .exec();
  if (!replies) throw new Error('the pixel read was aborted');
  for (const [error] of replies) if (error) throw error;
  const color = (replies[0]![1] as number[])[0] ?? 0;
  const number = (replies[1]![1] as number[])[0] ?? 0;
  const seconds = (replies[2]![1] as number[])[0] ?? 0;
  if (!number) return { color, userId: undefined, placedAt: undefined };
  const userId = await redis.hget(keys.userNumbers, `n:${number}`);
  if (userId === null) return { color, userId: undefined, placedAt: undefined };
  return { color, userId, placedAt: seconds * 1000 };
}

import { OwnerLookup, type AdminPixelOwner, type PublicPixelInfo } from '@tessera/protocol';
import { ownerKind, readDisplayNames, type PixelOwnerRecord, type RedisConnection } from '@tessera/store';

/** Turns user ids into what players and admins may see of them. */
export interface OwnerNames {
  /** What players see, by the canvas's ownerLookup setting ('off' is refused before this). */
  forPlayers(record: PixelOwnerRecord, mode: OwnerLookup): Promise<PublicPixelInfo['owner']>;
  /** What admins see of several users at once (the id, its kind, display name and pseudonym). */
  forAdmins(userIds: readonly string[]): Promise<Map<string, AdminPixelOwner>>;
  readonly pseudonym: (userId: string) => string;
}

export function createOwnerNames(deps: { redis: RedisConnection; canvasId: string; pseudonym: (userId: string) => string }): OwnerNames {
  const { redis, canvasId, pseudonym } = deps;
  return {
    pseudonym,
    async forPlayers(record, mode) {
      if (record.userId === undefined) return null;
      const kind = ownerKind(record.userId);
      // An admin's rollback is shown as such, never by the admin's name.
      if (kind === 'admin') return { kind, name: 'admin' };
      if (mode === OwnerLookup.Names && kind === 'user') {
        const name = (await readDisplayNames(redis, canvasId, [record.userId])).get(record.userId);
        if (name) return { kind, name };
      }
      return { kind, name: pseudonym(record.userId) };
    },
    async forAdmins(userIds) {
      const names = await readDisplayNames(redis, canvasId, userIds);
      return new Map(
        userIds.map((userId) => [userId, { userId, kind: ownerKind(userId), displayName: names.get(userId) ?? null, pseudonym: pseudonym(userId) }]),
      );
    },
  };
}

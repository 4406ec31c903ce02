import type { BanEntry } from '@tessera/protocol';

// The moderation endpoints' shapes, as /work/notes/moderation-contract.md fixes them (issue 11).
// Times are epoch ms.

export type OwnerKind = 'user' | 'guest' | 'admin';

export interface AdminPixelOwner {
  readonly userId: string;
  readonly kind: OwnerKind;
  /** Signed-in users' display name; null for guests. */
  readonly displayName: string | null;
  readonly pseudonym: string;
}

/** `GET /pixels/{x}/{y}`: the pixel's colour and who placed it (null: never placed, or erased). */
export interface AdminPixelInfo {
  readonly x: number;
  readonly y: number;
  readonly color: number;
  readonly placedAt: number | null;
  readonly owner: AdminPixelOwner | null;
}

/** `GET /users/{userId}`: what a moderator needs to tell a bot from a player. */
export interface AdminUserView {
  readonly userId: string;
  readonly kind: OwnerKind;
  readonly displayName: string | null;
  readonly pseudonym: string;
  readonly placements: number;
  readonly firstPlacedAt: number | null;
  readonly lastPlacedAt: number | null;
  /** Placements per minute over the last hours, oldest first; minutes without any may be absent. */
  readonly perMinute: readonly { readonly minute: number; readonly count: number }[];
  /** Newest first. */
  readonly recent: readonly { readonly x: number; readonly y: number; readonly color: number; readonly at: number }[];
  /** Addresses are the canonical ban keys (an IPv4 address or an IPv6 /64). */
  readonly sessions: readonly { readonly address: string; readonly firstSeen: number; readonly lastSeen: number }[];
  readonly ban: BanEntry | null;
}

export interface TopPlacer extends AdminPixelOwner {
  readonly placements: number;
}

export interface TopPlacersResponse {
  readonly users: readonly TopPlacer[];
}

export interface RevertRequest {
  readonly userId: string;
  readonly since: number;
  readonly reason?: string;
}

/** Pixels that would change, and pixels of the user's that others have since placed over (left alone). */
export interface RevertPreview {
  readonly pixels: number;
  readonly skipped: number;
}

export interface RevertResponse {
  readonly reverted: number;
  readonly skipped: number;
}

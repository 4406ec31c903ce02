import type { BanEntry } from './admin-api.js';
import type { AdminRequest } from './admin-request-schemas.js';

/** Who a user id belongs to: an account, a guest session, or an admin's rollback (`admin:<name>`). */
export type OwnerKind = 'user' | 'guest' | 'admin';

/** `GET /api/canvas/pixels/{x}/{y}`: what players may see of a pixel's owner. */
export interface PublicPixelInfo {
  readonly x: number;
  readonly y: number;
  readonly color: number;
  /** Epoch ms (to the second) the current colour was placed; null when nobody is on record. */
  readonly placedAt: number | null;
  readonly owner: { readonly kind: OwnerKind; readonly name: string } | null;
}

export interface AdminPixelOwner {
  readonly userId: string;
  readonly kind: OwnerKind;
  readonly displayName: string | null;
  readonly pseudonym: string;
}

/** `GET /api/admin/pixels/{x}/{y}`. */
export interface AdminPixelInfo {
  readonly x: number;
  readonly y: number;
  readonly color: number;
  readonly placedAt: number | null;
  readonly owner: AdminPixelOwner | null;
}

/** `GET /api/admin/users/{userId}`. */
export interface AdminUserInfo extends AdminPixelOwner {
  readonly placements: number;
  readonly firstPlacedAt: number | null;
  readonly lastPlacedAt: number | null;
  /** Placements per minute (epoch ms of the minute's start), oldest first, minutes without any left out. */
  readonly perMinute: readonly { readonly minute: number; readonly count: number }[];
  /** Newest first. */
  readonly recent: readonly { readonly x: number; readonly y: number; readonly color: number; readonly at: number }[];
  /** Canonical addresses (the address-ban keys) this user connected from. */
  readonly sessions: readonly { readonly address: string; readonly firstSeen: number; readonly lastSeen: number }[];
  readonly ban: BanEntry | null;
}

/** `GET /api/admin/top-placers`. */
export interface TopPlacers {
  readonly users: readonly (AdminPixelOwner & { readonly placements: number })[];
}

/** `POST /api/admin/revert`; the preview takes the same without `reason` (schemas in admin-request-schemas.ts). */
export type RevertRequest = AdminRequest<'RevertRequest'>;
export type RevertPreviewRequest = AdminRequest<'RevertPreviewRequest'>;

export interface RevertPreview {
  /** Pixels that would change. */
  readonly pixels: number;
  /** Pixels the user placed that others have placed over since (left alone). */
  readonly skipped: number;
  /** Epoch ms of the oldest event the stream still holds; `since` before it reverts only from here. */
  readonly coveredFrom: number | null;
  /**
   * Present when the stream alone did not cover `since`: `used` (the snapshotter's archived history
   * filled the rest) or `not-deployed` (no snapshotter: the stream alone, from `coveredFrom`).
   */
  readonly archive?: RevertArchiveUse;
}

export interface RevertResponse {
  readonly reverted: number;
  readonly skipped: number;
  readonly coveredFrom: number | null;
  readonly archive?: RevertArchiveUse;
}

export type RevertArchiveUse = 'used' | 'not-deployed';
export const REVERT_ARCHIVE_USES: readonly RevertArchiveUse[] = ['used', 'not-deployed'];

/** `PUT /api/admin/owner-lookup`. */
export type OwnerLookupRequest = AdminRequest<'OwnerLookupRequest'>;

export const MODERATION_LIMITS = {
  /** Most users one top-placers answer lists. */
  maxTopPlacers: 100,
  /** Newest placements kept per user. */
  recentPlacements: 100,
  /** Hours of per-minute placement counts kept per user. */
  activityHours: 24,
  /** Most events one revert reads from the stream (the default STREAM_MAX_LEN). */
  maxRevertScan: 1_000_000,
} as const;

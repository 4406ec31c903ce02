import type { CanvasConfig } from './canvas-config.js';
import type { AdminRequest } from './admin-request-schemas.js';

/**
 * Request and response bodies of the admin REST API (`/api/admin/*`), shared by the gateway and
 * the admin page. The gateway's OpenAPI document (`GET /api/admin/openapi.json`) is the schema
 * the server validates against. Request bodies are derived from their schemas
 * (admin-request-schemas.ts), so the two cannot drift; responses are described here.
 */
export const ADMIN_API_BASE = '/api/admin';

/** The error codes of the admin API, in `{ error, field?, message? }` bodies. */
export const AdminErrorCode = {
  /** The body, query or path is malformed; `field` names the first bad field. */
  InvalidPayload: 'INVALID_PAYLOAD',
  /** No credential, or one that is not valid. */
  Unauthorized: 'UNAUTHORIZED',
  /** A valid credential without the admin role. */
  Forbidden: 'FORBIDDEN',
  /** Too many admin requests with this credential: see Retry-After. */
  RateLimited: 'RATE_LIMITED',
  NotFound: 'NOT_FOUND',
  /** The config kept changing under this request; try again. */
  Conflict: 'CONFLICT',
  /** A palette remap (colour removal) is still rewriting the canvas; try again shortly. */
  RemapInProgress: 'REMAP_IN_PROGRESS',
  CanvasUnavailable: 'CANVAS_UNAVAILABLE',
  /** The snapshotter is not deployed here, or did not answer in time. */
  SnapshotsUnavailable: 'SNAPSHOTS_UNAVAILABLE',
  /** History jobs: `to` is not after `from`, or they are not whole epoch milliseconds. */
  InvalidRange: 'INVALID_RANGE',
  /** History jobs: the range is longer than a job may cover. */
  RangeTooLong: 'RANGE_TOO_LONG',
  /** History jobs: the region leaves the canvas. */
  RegionOutOfBounds: 'REGION_OUT_OF_BOUNDS',
  /** Timelapses: fps, duration, scale or quality out of range. */
  InvalidTimelapse: 'INVALID_TIMELAPSE',
  /** Timelapses: duration × fps is above the frame cap. */
  TooManyFrames: 'TOO_MANY_FRAMES',
  /** Timelapses: region × scale is above the frame size cap. */
  FrameTooLarge: 'FRAME_TOO_LARGE',
  /** History jobs: too many are waiting or running; try when one finishes. */
  HistoryJobsBusy: 'HISTORY_JOBS_BUSY',
  Internal: 'INTERNAL',
} as const;
export type AdminErrorCode = (typeof AdminErrorCode)[keyof typeof AdminErrorCode];

export const ADMIN_LIMITS = {
  /** Largest rectangle one rollback may rewrite (each changed pixel becomes one stream event). */
  maxRegionPixels: 250_000,
  /** Most audit entries one page returns. */
  maxAuditPage: 500,
  maxBanReasonLength: 500,
  /** Longest ban (ten years); no duration means forever. */
  maxBanDurationMs: 315_360_000_000,
} as const;

export interface AdminError {
  readonly error: AdminErrorCode;
  /** For INVALID_PAYLOAD: the bad field, as a dotted path (`colors.1.color`), or `body`. */
  readonly field?: string;
  readonly message?: string;
}

export interface AdminIdentity {
  /** The token's name from ADMIN_TOKENS, or `jwt:<sub>`. */
  readonly name: string;
  readonly via: 'token' | 'jwt';
}

export interface AdminConfigResponse {
  readonly canvasId: string;
  readonly config: CanvasConfig;
  /** True while a colour removal is rewriting the canvas (palette changes wait). */
  readonly remapping: boolean;
}

/** Every config change answers with the config as it now stands. */
export interface AdminConfigChange {
  readonly config: CanvasConfig;
}

/** `PATCH /palette`: give existing indices new colours (pixels keep their index). */
export type RecolorRequest = AdminRequest<'RecolorRequest'>;

/** `POST /palette/colors`: append colours at the end of the palette. */
export type AddColorsRequest = AdminRequest<'AddColorsRequest'>;

/**
 * `POST /palette/remove`: remove colours; every removed index names the kept index (in the
 * current numbering) its pixels become. The remaining colours close up, keeping their order.
 */
export type RemoveColorsRequest = AdminRequest<'RemoveColorsRequest'>;

export interface RemoveColorsResponse extends AdminConfigChange {
  /** For every index of the old palette, its index in the new one. */
  readonly mapping: readonly number[];
}

/** `PUT /size`. Shrinking erases every pixel outside the new bounds. */
export type ResizeRequest = AdminRequest<'ResizeRequest'>;

export interface ResizeResponse extends AdminConfigChange {
  /** True when pixels outside the new bounds were erased (a shrink). */
  readonly erased: boolean;
}

/** `PUT /cooldown`. */
export type CooldownRequest = AdminRequest<'CooldownRequest'>;

/** `PUT /paused`. */
export type PausedRequest = AdminRequest<'PausedRequest'>;

/** `PUT /challenge`: who must solve a proof-of-work challenge, and where it is checked. */
export type ChallengeRequest = AdminRequest<'ChallengeRequest'>;

/** `PUT /history-viewer`. */
export type HistoryViewerRequest = AdminRequest<'HistoryViewerRequest'>;

/** `PUT /bans/{userId}`: `durationMs` absent means forever. */
export type BanRequest = AdminRequest<'BanRequest'>;

export interface BanEntry {
  readonly userId: string;
  /** Epoch ms when the ban ends; 0: never. */
  readonly expiresAt: number;
  readonly reason: string;
  /** The admin who banned. */
  readonly by: string;
  /** Epoch ms of the ban. */
  readonly at: number;
}

export interface BanList {
  readonly bans: readonly BanEntry[];
}

export interface UnbanResponse {
  readonly userId: string;
  readonly wasBanned: boolean;
}

/**
 * `PUT /address-bans`: ban an address or a prefix. An IPv4 address means itself (`/32`); a bare
 * IPv6 address means its whole prefix (a /64 by default), the unit every per-address limit uses.
 * Prefix lengths are a fixed set (IPv4 8, 16, 24, 32; IPv6 32, 40, 48, 56, 64) so a placement
 * checks every covering ban in one lookup.
 */
export type AddressBanRequest = AdminRequest<'AddressBanRequest'>;

export interface AddressBanEntry {
  /** The canonical prefix banned (`203.0.113.0/24`, `2001:db8:1:2::/64`): pass it to unban. */
  readonly prefix: string;
  /** Epoch ms when the ban ends; 0: never. */
  readonly expiresAt: number;
  readonly reason: string;
  /** The admin who banned. */
  readonly by: string;
  /** Epoch ms of the ban. */
  readonly at: number;
}

export interface AddressBanList {
  readonly bans: readonly AddressBanEntry[];
}

/** `DELETE /address-bans?address=…`. */
export interface AddressUnbanResponse {
  readonly prefix: string;
  readonly wasBanned: boolean;
}

export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** `POST /rollback/erase`: set every pixel of the rectangle to the background. */
export type EraseRequest = AdminRequest<'EraseRequest'>;

/** `POST /rollback/restore`: set every pixel of the rectangle to its colour in a snapshot. */
export type RestoreRegionRequest = AdminRequest<'RestoreRegionRequest'>;

export interface RegionResponse {
  /** Pixels whose colour changed (each is one event in the stream, so deltas carry it). */
  readonly changed: number;
  /** Pixels of the rectangle inside the canvas. */
  readonly pixels: number;
}

/** One snapshot in S3, as the snapshotter lists it. */
export interface SnapshotInfo {
  /** Object key of the binary snapshot: the identifier to restore from. */
  readonly key: string;
  /** Object key of the indexed PNG beside it. */
  readonly pngKey: string;
  /** Epoch ms when the snapshot was taken. */
  readonly takenAt: number;
  /** Stream position `ms-seq` the snapshot reflects. */
  readonly position: string;
  /** Size of the binary snapshot in bytes. */
  readonly bytes: number;
}

export interface SnapshotList {
  readonly snapshots: readonly SnapshotInfo[];
}

/** `POST /snapshots/restore`. */
export type RestoreSnapshotRequest = AdminRequest<'RestoreSnapshotRequest'>;

/** `PUT /rules`. */
export type RulesRequest = AdminRequest<'RulesRequest'>;

/** `PUT /templates/{templateId}`. */
export type PinTemplateRequest = AdminRequest<'PinTemplateRequest'>;

export interface AuditEntry {
  /** Audit stream id (`ms-seq`); pass as `before` to page back. */
  readonly id: string;
  /** What was done, e.g. `palette.recolour`, `canvas.resize`, `user.ban`. */
  readonly action: string;
  readonly actor: string;
  /** Epoch ms. */
  readonly at: number;
  /** The request that did it (and what it changed). */
  readonly details: Record<string, unknown>;
}

export interface AuditPage {
  readonly entries: readonly AuditEntry[];
  /** Pass as `before` for the next (older) page; absent at the end. */
  readonly next?: string;
}

/** The actions written to the audit stream. */
export const AuditAction = {
  Recolor: 'palette.recolour',
  AddColors: 'palette.add',
  RemoveColors: 'palette.remove',
  Resize: 'canvas.resize',
  Cooldown: 'canvas.cooldown',
  Pause: 'canvas.pause',
  Resume: 'canvas.resume',
  Challenge: 'canvas.challenge',
  Ban: 'user.ban',
  Unban: 'user.unban',
  AddressBan: 'address.ban',
  AddressUnban: 'address.unban',
  Erase: 'rollback.erase',
  RestoreRegion: 'rollback.restore',
  TakeSnapshot: 'snapshot.take',
  RestoreSnapshot: 'snapshot.restore',
  PinTemplate: 'template.pin',
  UnpinTemplate: 'template.unpin',
  Rules: 'rules.edit',
  HistoryViewer: 'canvas.history-viewer',
  RevertUser: 'user.revert',
  OwnerLookup: 'canvas.owner-lookup',
  StartHistoryJob: 'history.start',
  DatasetsPublic: 'history.datasets-public',
} as const;
export type AuditAction = (typeof AuditAction)[keyof typeof AuditAction];

/** A figure and when it was reached (epoch ms; 0: never). */
export interface StatsPeak {
  readonly value: number;
  readonly at: number;
}

/** One minute of the event (`GET /api/admin/stats`). */
export interface StatsMinute {
  /** Start of the minute, epoch ms. */
  readonly minute: number;
  readonly placements: number;
  readonly canvasLoads: number;
  /** Most players online at once during the minute. */
  readonly peakOnline: number;
}

/** The event's numbers as Redis keeps them (store's readEventStats). */
export interface EventStats {
  /** Distinct users who placed (HyperLogLog estimate). */
  readonly uniqueUsers: number;
  /** Distinct signed-in users (accounts, not guests) who placed (estimate). */
  readonly signedInUsers: number;
  /** Page loads: each page's first connection. */
  readonly canvasLoads: number;
  /** Placements in total (admin rollbacks excluded). */
  readonly placements: number;
  readonly peakOnline: StatsPeak;
  readonly peakPlacementsPerSecond: StatsPeak;
  /** Stream position the placement figures are counted through (`0-0`: none yet). */
  readonly countedThrough: string;
  /** Every minute with a placement, a load or a presence report, oldest first. */
  readonly perMinute: readonly StatsMinute[];
}

/** `GET /api/admin/stats`: the event's numbers, collected as they happen. */
export interface EventStatsReport extends EventStats {
  readonly canvasId: string;
  /** When these numbers were read, epoch ms. */
  readonly at: number;
  /** Players online now across every gateway. */
  readonly online: number;
}

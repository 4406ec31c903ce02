import { randomUUID } from 'node:crypto';
import {
  addressRoom,
  ADMIN_LIMITS,
  AdminErrorCode,
  type HistoryViewerMode,
  AuditAction,
  canvasRoom,
  chunkGrid,
  ErrorCode,
  Events,
  userRoom,
  type AddColorsRequest,
  type AddressBanEntry,
  type AddressBanRequest,
  type AddressUnbanResponse,
  type AdminConfigResponse,
  type AdminIdentity,
  type AuditPage,
  type BanEntry,
  type BanRequest,
  type CanvasConfig,
  type ChallengeRequest,
  type EraseRequest,
  type RecolorRequest,
  type OwnerLookupRequest,
  type Rect,
  type RegionResponse,
  type RemoveColorsRequest,
  type RemoveColorsResponse,
  type ResizeResponse,
  type RestoreRegionRequest,
  type SnapshotInfo,
  type StreamPosition,
} from '@tessera/protocol';
import type { Logger } from '@tessera/runtime';
import {
  appendAudit,
  challengeFields,
  banAddress,
  banUser,
  beginPaletteRemap,
  completePaletteRemap,
  isRemapping,
  listAddressBans,
  listBans,
  paintRegion,
  readAudit,
  readCanvasConfig,
  readPaletteRemap,
  resizeCanvas,
  unbanAddress,
  unbanUser,
  writeCanvasConfig,
  writerLeaseHolder,
  writerCaughtUpWith,
  lastEventPosition,
  type AuditRecord,
} from '@tessera/store';
import type { RedisConnection } from '@tessera/store';
import type { AddressKeying } from '../address-prefix.js';
import type { CanvasCache } from '../canvas-cache.js';
import type { ConfigSource } from '../config-source.js';
import type { TesseraServer } from '../socket-server.js';
import type { Invalid } from './admin-validation.js';
import { addColors, planRemoval, recolor, type Edit } from './palette-edits.js';
import { SNAPSHOT_FAILURE_STATUS, SnapshotFailure, type SnapshotAccess } from './snapshot-access.js';

/** An admin request that cannot be done, with the HTTP status and error code to answer. */
export class AdminFailure extends Error {
  override readonly name = 'AdminFailure';
  constructor(
    readonly status: number,
    readonly code: AdminErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export interface AdminOperationsDeps {
  readonly redis: RedisConnection;
  readonly canvasId: string;
  readonly streamMaxLength: number;
  readonly configs: ConfigSource;
  readonly cache: CanvasCache;
  /** The Socket.IO server (through the Redis adapter, its broadcasts reach every gateway). */
  readonly io: () => TesseraServer;
  /** How long any gateway may serve a cached canvas read (CANVAS_CACHE_MS). */
  readonly canvasCacheMs: number;
  /** How long any gateway may serve a cached config (config-source.ts). */
  readonly configCacheMs: number;
  readonly snapshots: () => Promise<SnapshotAccess | undefined>;
  /** Reads ban targets into the canonical prefixes the gateways look up. */
  readonly addressKeying: AddressKeying;
  readonly log: Logger;
}

export const ADMIN_OPERATION_DEFAULTS = {
  /** Optimistic retries when the config changes between reading it and writing the change. */
  maxAttempts: 5,
  /** A remap whose runner has not renewed its lease for this long is finished by whoever finds it. */
  remapLeaseMs: 15_000,
  /** How long a rewrite waits for the writer to fold the events before it into deltas. */
  writerWaitMs: 5_000,
  /** Margin over the other gateways' cache lifetimes (a read in flight when the change landed). */
  cacheMarginMs: 150,
} as const;

/**
 * Every admin operation: validated input in, one change in Redis (scripts that write the config,
 * the version and the audit entry together), then the news pushed to every player.
 */
export function createAdminOperations(deps: AdminOperationsDeps) {
  const { redis, canvasId, log } = deps;
  const room = canvasRoom(canvasId);
  const timers = new Set<NodeJS.Timeout>();
  const record = (admin: AdminIdentity, details: Record<string, unknown>): AuditRecord => ({ actor: admin.name, details });

  async function freshConfig(): Promise<CanvasConfig> {
    const config = await readCanvasConfig(redis, canvasId);
    if (!config) throw new AdminFailure(503, AdminErrorCode.CanvasUnavailable, 'the canvas does not exist');
    return config;
  }

  /**
   * Pushes the config as Redis holds it to every player, after dropping this gateway's caches.
   * Another gateway may still welcome a player with its cached config for up to configCacheMs,
   * after this broadcast: pushing once more after that leaves no player on an old config.
   */
  async function pushConfig(): Promise<CanvasConfig> {
    deps.configs.invalidate();
    deps.cache.invalidate();
    const config = await freshConfig();
    // Published before the push, so every gateway has dropped its cached config when players see it.
    deps.io().serverSideEmit('configChanged');
    deps.io().to(room).emit(Events.Config, config);
    const timer = setTimeout(() => {
      timers.delete(timer);
      readCanvasConfig(redis, canvasId).then(
        (latest) => latest && deps.io().to(room).emit(Events.Config, latest),
        (error: unknown) => log.warn({ err: error instanceof Error ? error.message : String(error) }, 'config re-broadcast failed'),
      );
    }, deps.configCacheMs + ADMIN_OPERATION_DEFAULTS.cacheMarginMs);
    timer.unref();
    timers.add(timer);
    return config;
  }

  /**
   * Tells players to re-read a canvas rewritten outside the event stream, once a re-read is sure
   * to see the rewrite and no delta can undo it: the writer has folded every event up to the
   * rewrite into deltas (a delta that straddles a re-read replays its events over it; events from
   * before the rewrite carry what the rewrite replaced), and every gateway's canvas cache has
   * expired since.
   */
  async function resyncAfter(position: StreamPosition, changedAt: number): Promise<void> {
    const deadline = Date.now() + ADMIN_OPERATION_DEFAULTS.writerWaitMs;
    try {
      while (Date.now() < deadline && (await writerLeaseHolder(redis, canvasId)) !== undefined) {
        if (await writerCaughtUpWith(redis, canvasId, position)) break;
        await sleep(50);
      }
    } catch (error) {
      // The change is already in Redis: losing Redis now only means the writer cannot be waited
      // for. The resync still goes out after the cache lifetime (or fails to publish, counted).
      log.warn({ err: error instanceof Error ? error.message : String(error) }, 'could not wait for the writer before a resync');
    }
    const wait = changedAt + deps.canvasCacheMs + ADMIN_OPERATION_DEFAULTS.cacheMarginMs - Date.now();
    if (wait > 0) await sleep(wait);
    deps.cache.invalidate();
    deps.io().to(room).emit(Events.Resync);
  }

  function banTarget(address: string): string {
    const target = deps.addressKeying.parseBanTarget(address);
    if (!target.ok) refuse({ field: 'address', message: target.message });
    return target.prefix;
  }

  function refuse(invalid: Invalid): never {
    throw new AdminFailure(400, AdminErrorCode.InvalidPayload, invalid.message, invalid.field);
  }
  function unwrap<T>(edit: Edit<T>): T {
    if (!edit.ok) refuse(edit.invalid);
    return edit.value;
  }

  /** A remap whose runner died (lease ran out) is finished here, so palette edits are not blocked forever. */
  async function finishAbandonedRemap(): Promise<boolean> {
    const state = await readPaletteRemap(redis, canvasId);
    if (state && state.leaseUntil > Date.now()) return false;
    if (!state && !(await isRemapping(redis, canvasId))) return true;
    log.warn({ remap: state?.id }, 'finishing a palette remap abandoned by its gateway');
    const finished = await completePaletteRemap(redis, canvasId, ADMIN_OPERATION_DEFAULTS.remapLeaseMs);
    if (finished.kind === 'finished') {
      await pushConfig();
      await resyncAfter(finished.position, Date.now());
    }
    return true;
  }

  /** Writes a palette computed from the config at one version; recomputes when it moved on. */
  async function editPalette(
    admin: AdminIdentity,
    action: AuditAction,
    details: Record<string, unknown>,
    compute: (palette: readonly string[]) => Edit<string[]>,
  ): Promise<{ config: CanvasConfig }> {
    for (let attempt = 0; attempt < ADMIN_OPERATION_DEFAULTS.maxAttempts; attempt++) {
      const config = await freshConfig();
      const palette = unwrap(compute(config.palette));
      const outcome = await writeCanvasConfig(redis, canvasId, {
        fields: { palette: JSON.stringify(palette), paletteSize: palette.length },
        expectedVersion: config.version,
        refuseWhileRemapping: true,
        action,
        audit: record(admin, { ...details, version: config.version }),
      });
      if (outcome.kind === 'changed') return { config: await pushConfig() };
      if (outcome.kind === 'remapping' && !(await finishAbandonedRemap())) {
        throw new AdminFailure(409, AdminErrorCode.RemapInProgress, 'colours are being removed; try again when that is done');
      }
      failIfMissing(outcome);
    }
    throw new AdminFailure(409, AdminErrorCode.Conflict, 'the config kept changing; try again');
  }

  /** Sets fields that do not depend on the current config (cooldown, pause). */
  async function setFields(admin: AdminIdentity, action: AuditAction, fields: Record<string, string | number>, details: Record<string, unknown>) {
    const outcome = await writeCanvasConfig(redis, canvasId, { fields, action, audit: record(admin, details) });
    failIfMissing(outcome);
    return { config: await pushConfig() };
  }

  function failIfMissing(outcome: { readonly kind: string }): void {
    if (outcome.kind === 'missing') throw new AdminFailure(503, AdminErrorCode.CanvasUnavailable, 'the canvas does not exist');
  }

  async function snapshotAccess(): Promise<SnapshotAccess> {
    const access = await deps.snapshots().catch((error: unknown) => {
      log.warn({ err: error instanceof Error ? error.message : String(error) }, 'snapshot client unavailable');
      return undefined;
    });
    if (!access) throw new AdminFailure(503, AdminErrorCode.SnapshotsUnavailable, 'no snapshotter is deployed for this canvas (SNAPSHOTS_ENABLED)');
    return access;
  }

  async function snapshotCall<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof SnapshotFailure)) throw error;
      const answer = SNAPSHOT_FAILURE_STATUS[error.code];
      throw new AdminFailure(answer.status, answer.error, error.message);
    }
  }

  /** The rectangle clipped to the canvas, refused when it is too big or wholly outside. */
  function clipRect(rect: Rect, config: CanvasConfig): Rect {
    if (rect.width * rect.height > ADMIN_LIMITS.maxRegionPixels) {
      refuse({ field: 'width', message: `the rectangle holds ${rect.width * rect.height} pixels; at most ${ADMIN_LIMITS.maxRegionPixels}` });
    }
    if (rect.x >= config.width) refuse({ field: 'x', message: `must be below the canvas width ${config.width}` });
    if (rect.y >= config.height) refuse({ field: 'y', message: `must be below the canvas height ${config.height}` });
    return { x: rect.x, y: rect.y, width: Math.min(rect.width, config.width - rect.x), height: Math.min(rect.height, config.height - rect.y) };
  }

  return {
    async config(): Promise<AdminConfigResponse> {
      const [config, remapping] = await Promise.all([freshConfig(), isRemapping(redis, canvasId)]);
      return { canvasId, config, remapping };
    },

    async palette() {
      const config = await freshConfig();
      return { palette: config.palette, version: config.version };
    },

    recolor(admin: AdminIdentity, request: RecolorRequest) {
      return editPalette(admin, AuditAction.Recolor, { colors: request.colors }, (palette) => recolor(palette, request));
    },

    addColors(admin: AdminIdentity, request: AddColorsRequest) {
      return editPalette(admin, AuditAction.AddColors, { colors: request.colors }, (palette) => addColors(palette, request.colors));
    },

    /**
     * Removes colours in three steps (see palette-remap.ts): placements are narrowed to indices
     * that keep their number, every chunk is rewritten once, then the new palette is installed.
     */
    async removeColors(admin: AdminIdentity, request: RemoveColorsRequest): Promise<RemoveColorsResponse> {
      for (let attempt = 0; attempt < ADMIN_OPERATION_DEFAULTS.maxAttempts; attempt++) {
        const config = await freshConfig();
        const plan = unwrap(planRemoval(config.palette, request));
        const { columns, rows } = chunkGrid(config.width, config.height);
        const started = await beginPaletteRemap(
          redis,
          canvasId,
          { id: randomUUID(), expectedVersion: config.version, table: plan.table, palette: plan.palette, firstRemoved: plan.firstRemoved, columns, rows },
          ADMIN_OPERATION_DEFAULTS.remapLeaseMs,
          record(admin, { remove: request.remove, before: config.palette, after: plan.palette, mapping: plan.mapping, version: config.version }),
        );
        failIfMissing(started);
        if (started.kind === 'conflict') continue;
        if (started.kind === 'remapping') {
          if (await finishAbandonedRemap()) continue;
          throw new AdminFailure(409, AdminErrorCode.RemapInProgress, 'other colours are being removed; try again when that is done');
        }
        const finished = await completePaletteRemap(redis, canvasId, ADMIN_OPERATION_DEFAULTS.remapLeaseMs);
        const changedAt = Date.now();
        const next = await pushConfig();
        if (finished.kind === 'finished') await resyncAfter(finished.position, changedAt);
        else await resyncAfter(await lastEventPosition(redis, canvasId), changedAt); // another gateway finished it
        return { config: next, mapping: plan.mapping };
      }
      throw new AdminFailure(409, AdminErrorCode.Conflict, 'the config kept changing; try again');
    },

    /** Grows or shrinks; a shrink erases outside the new bounds in the same step (resize-canvas.lua). */
    async resize(admin: AdminIdentity, request: { width: number; height: number }): Promise<ResizeResponse> {
      for (let attempt = 0; attempt < ADMIN_OPERATION_DEFAULTS.maxAttempts; attempt++) {
        const config = await freshConfig();
        const outcome = await resizeCanvas(
          redis,
          canvasId,
          config,
          request,
          record(admin, { ...request, before: { width: config.width, height: config.height } }),
        );
        failIfMissing(outcome);
        if (outcome.kind !== 'resized') continue;
        const changedAt = Date.now();
        const next = await pushConfig();
        const erased = outcome.chunksErased > 0;
        if (erased) await resyncAfter(outcome.position, changedAt);
        return { config: next, erased };
      }
      throw new AdminFailure(409, AdminErrorCode.Conflict, 'the config kept changing; try again');
    },

    setCooldown(admin: AdminIdentity, request: { cooldownMs: number }) {
      return setFields(admin, AuditAction.Cooldown, { cooldownMs: request.cooldownMs }, { ...request });
    },

    setPaused(admin: AdminIdentity, request: { paused: boolean }) {
      return setFields(admin, request.paused ? AuditAction.Pause : AuditAction.Resume, { paused: request.paused ? 1 : 0 }, { ...request });
    },

    setChallenge(admin: AdminIdentity, request: ChallengeRequest) {
      return setFields(admin, AuditAction.Challenge, challengeFields(request), { ...request });
    },

    /** Opens or closes the players' history viewer (history-viewer.ts in protocol says what each mode means). */
    setHistoryViewer(admin: AdminIdentity, request: { mode: HistoryViewerMode }) {
      return setFields(admin, AuditAction.HistoryViewer, { historyViewer: request.mode }, { ...request });
    },

    /** Whether anyone may download this canvas's datasets (a config field, off by default). */
    setDatasetsPublic(admin: AdminIdentity, request: { public: boolean }) {
      return setFields(admin, AuditAction.DatasetsPublic, { datasetsPublic: request.public ? 1 : 0 }, { ...request });
    },

    listBans: async () => ({ bans: (await listBans(redis, canvasId)) as BanEntry[] }),

    /** Bans, then closes the user's sockets on every gateway (the Redis adapter carries both). */
    async ban(admin: AdminIdentity, userId: string, request: BanRequest): Promise<BanEntry> {
      const ban = await banUser(
        redis,
        canvasId,
        { userId, durationMs: request.durationMs ?? 0, reason: request.reason ?? '' },
        record(admin, { userId, ...request }),
      );
      const sockets = deps.io().in(userRoom(userId));
      sockets.emit(Events.Kicked, ErrorCode.Banned);
      sockets.disconnectSockets(true);
      return ban;
    },

    async unban(admin: AdminIdentity, userId: string) {
      const wasBanned = await unbanUser(redis, canvasId, userId, record(admin, { userId }));
      return { userId, wasBanned };
    },

    listAddressBans: async () => ({ bans: (await listAddressBans(redis, canvasId)) as AddressBanEntry[] }),

    /** Bans a prefix, then closes every socket it covers on every gateway (each joined its prefixes' rooms). */
    async banAddress(admin: AdminIdentity, request: AddressBanRequest): Promise<AddressBanEntry> {
      const prefix = banTarget(request.address);
      const ban = await banAddress(
        redis,
        canvasId,
        { prefix, durationMs: request.durationMs ?? 0, reason: request.reason ?? '' },
        record(admin, { ...request, prefix }),
      );
      const sockets = deps.io().in(addressRoom(prefix));
      sockets.emit(Events.Kicked, ErrorCode.Banned);
      sockets.disconnectSockets(true);
      return ban;
    },

    async unbanAddress(admin: AdminIdentity, address: string): Promise<AddressUnbanResponse> {
      const prefix = banTarget(address);
      const wasBanned = await unbanAddress(redis, canvasId, prefix, record(admin, { address, prefix }));
      return { prefix, wasBanned };
    },

    /** Through the event stream: each changed pixel is an event, so deltas carry it (no resync). */
    async erase(admin: AdminIdentity, request: EraseRequest): Promise<RegionResponse> {
      const rect = clipRect(request, await freshConfig());
      await appendAudit(redis, canvasId, AuditAction.Erase, record(admin, { ...request }));
      const outcome = await paintRegion(
        redis,
        canvasId,
        rect,
        { fill: 0 },
        {
          userId: `admin:${admin.name}`,
          streamMaxLength: deps.streamMaxLength,
          refuseWhileRemapping: false, // the background keeps its index through any remap
        },
      );
      if (outcome.kind === 'missing') throw new AdminFailure(503, AdminErrorCode.CanvasUnavailable, 'the canvas does not exist');
      return { changed: outcome.changed, pixels: rect.width * rect.height };
    },

    async restoreRegion(admin: AdminIdentity, request: RestoreRegionRequest): Promise<RegionResponse> {
      const access = await snapshotAccess();
      const config = await freshConfig();
      const rect = clipRect(request, config);
      if (await isRemapping(redis, canvasId))
        throw new AdminFailure(409, AdminErrorCode.RemapInProgress, 'colours are being removed; try again when that is done');
      const pixels = await snapshotCall(() => access.readRegion(request.snapshot, rect));
      if (pixels.length !== rect.width * rect.height)
        throw new AdminFailure(503, AdminErrorCode.SnapshotsUnavailable, 'the snapshotter answered with a region of the wrong size');
      // A colour the palette no longer has becomes background rather than some other colour.
      const target = pixels.map((index) => (index < config.palette.length ? index : 0));
      await appendAudit(redis, canvasId, AuditAction.RestoreRegion, record(admin, { ...request }));
      const outcome = await paintRegion(
        redis,
        canvasId,
        rect,
        { pixels: target },
        {
          userId: `admin:${admin.name}`,
          streamMaxLength: deps.streamMaxLength,
          refuseWhileRemapping: true,
        },
      );
      if (outcome.kind === 'missing') throw new AdminFailure(503, AdminErrorCode.CanvasUnavailable, 'the canvas does not exist');
      if (outcome.kind === 'remapping') {
        throw new AdminFailure(
          409,
          AdminErrorCode.RemapInProgress,
          `colours began to be removed after ${outcome.changed} pixels were restored; try again when that is done`,
        );
      }
      return { changed: outcome.changed, pixels: rect.width * rect.height };
    },

    async listSnapshots(): Promise<{ snapshots: SnapshotInfo[] }> {
      const access = await snapshotAccess();
      return { snapshots: await snapshotCall(() => access.list()) };
    },

    async takeSnapshot(admin: AdminIdentity) {
      const access = await snapshotAccess();
      const result = await snapshotCall(() => access.takeNow());
      await appendAudit(redis, canvasId, AuditAction.TakeSnapshot, record(admin, { result }));
      return result;
    },

    async restoreSnapshot(admin: AdminIdentity, key: string) {
      const access = await snapshotAccess();
      // A remap still running would go on rewriting the restored chunks with its table.
      if (await isRemapping(redis, canvasId))
        throw new AdminFailure(409, AdminErrorCode.RemapInProgress, 'colours are being removed; try again when that is done');
      const result = await snapshotCall(() => access.restore(key));
      // With the result: it names the snapshot of the canvas just before, which undoes this.
      await appendAudit(redis, canvasId, AuditAction.RestoreSnapshot, record(admin, { key, result }));
      // The snapshotter tells players to re-read the canvas; the config they hold is this one.
      return { config: await pushConfig(), snapshot: key };
    },

    /** What players see of pixel owners (moderation-openapi.ts); a config field, versioned and pushed. */
    setOwnerLookup: (admin: AdminIdentity, request: OwnerLookupRequest) =>
      setFields(admin, AuditAction.OwnerLookup, { ownerLookup: request.ownerLookup }, { ...request }),

    async audit(limit: number, before: string | undefined): Promise<AuditPage> {
      const entries = await readAudit(redis, canvasId, limit, before);
      const last = entries[entries.length - 1];
      return entries.length === limit && last ? { entries, next: last.id } : { entries };
    },

    close(): void {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}

export type AdminOperations = ReturnType<typeof createAdminOperations>;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

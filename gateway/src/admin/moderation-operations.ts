import {
  AdminErrorCode,
  AuditAction,
  type AdminIdentity,
  type AdminPixelInfo,
  type AdminUserInfo,
  type BanEntry,
  type RevertPreview,
  type RevertPreviewRequest,
  type RevertRequest,
  type RevertResponse,
  type TopPlacers,
} from '@tessera/protocol';
import type { Logger } from '@tessera/runtime';
import {
  appendAudit,
  listBans,
  planRevert,
  readCanvasConfig,
  readPixelOwner,
  readSessions,
  readTopPlacers,
  readUserActivity,
  runRevert,
  type RedisConnection,
  type RevertOutcome,
} from '@tessera/store';
import type { OwnerNames } from '../owner-names.js';
import { AdminFailure } from './admin-operations.js';
import type { RevertHistoryAccess } from './revert-history-access.js';

export interface ModerationOperationsDeps {
  readonly redis: RedisConnection;
  readonly canvasId: string;
  readonly streamMaxLength: number;
  readonly names: OwnerNames;
  readonly log: Logger;
  /** Previous colours from the archived history when the stream was trimmed after `since`; absent: the stream alone. */
  readonly archive?: RevertHistoryAccess;
}

/**
 * Moderation from the canvas: who placed a pixel, what a user did and from where, the top
 * placers, and reverting a user (preview first; the revert goes through the event stream).
 */
export function createModerationOperations(deps: ModerationOperationsDeps) {
  const { redis, canvasId } = deps;

  async function canvasSize(): Promise<{ width: number; height: number }> {
    const config = await readCanvasConfig(redis, canvasId);
    if (!config) throw new AdminFailure(503, AdminErrorCode.CanvasUnavailable, 'the canvas does not exist');
    return config;
  }

  /** A revert's `since` may not lie in the future (it would revert nothing, silently). */
  function checkSince(since: number): void {
    if (since > Date.now() + 60_000) throw new AdminFailure(400, AdminErrorCode.InvalidPayload, 'lies in the future', 'since');
  }

  function failIfRefused(outcome: RevertOutcome): void {
    if (outcome.kind === 'missing') throw new AdminFailure(503, AdminErrorCode.CanvasUnavailable, 'the canvas does not exist');
    if (outcome.kind === 'remapping') {
      throw new AdminFailure(
        409,
        AdminErrorCode.RemapInProgress,
        `colours are being removed (${outcome.changed} pixels were put back before); try again when that is done`,
      );
    }
  }

  /** The stream's plan, completed from the archive when the stream no longer covers `since`. */
  async function plan(request: RevertPreviewRequest) {
    if (deps.archive) return deps.archive.plan(request.userId, request.since);
    return { plan: await planRevert(redis, canvasId, request.userId, request.since) };
  }

  return {
    async pixel(x: number, y: number): Promise<AdminPixelInfo> {
      const { width, height } = await canvasSize();
      if (x >= width) throw new AdminFailure(400, AdminErrorCode.InvalidPayload, `must be below the canvas width ${width}`, 'x');
      if (y >= height) throw new AdminFailure(400, AdminErrorCode.InvalidPayload, `must be below the canvas height ${height}`, 'y');
      const record = await readPixelOwner(redis, canvasId, x, y);
      const owner = record.userId === undefined ? null : ((await deps.names.forAdmins([record.userId])).get(record.userId) ?? null);
      return { x, y, color: record.color, placedAt: record.placedAt ?? null, owner };
    },

    async user(userId: string): Promise<AdminUserInfo> {
      const [names, activity, sessions, bans] = await Promise.all([
        deps.names.forAdmins([userId]),
        readUserActivity(redis, canvasId, userId),
        readSessions(redis, canvasId, userId),
        listBans(redis, canvasId),
      ]);
      const ban = (bans as BanEntry[]).find((entry) => entry.userId === userId) ?? null;
      return { ...names.get(userId)!, ...activity, sessions, ban };
    },

    async topPlacers(since: number | undefined, limit: number): Promise<TopPlacers> {
      const top = await readTopPlacers(redis, canvasId, { ...(since === undefined ? {} : { since }), limit });
      const names = await deps.names.forAdmins(top.map((entry) => entry.userId));
      return { users: top.map((entry) => ({ ...names.get(entry.userId)!, placements: entry.placements })) };
    },

    async revertPreview(request: RevertPreviewRequest): Promise<RevertPreview> {
      checkSince(request.since);
      const { plan: revertPlan, archive } = await plan(request);
      const outcome = await runRevert(redis, canvasId, revertPlan, {
        userId: request.userId,
        adminUserId: 'admin:preview',
        streamMaxLength: deps.streamMaxLength,
        dryRun: true,
      });
      failIfRefused(outcome);
      return { pixels: outcome.changed, skipped: outcome.skipped, coveredFrom: revertPlan.coveredFrom, ...(archive ? { archive } : {}) };
    },

    /** Audited before it runs (like an erase), so even a revert cut short is on record. */
    async revert(admin: AdminIdentity, request: RevertRequest): Promise<RevertResponse> {
      checkSince(request.since);
      const { plan: revertPlan, archive } = await plan(request);
      await appendAudit(redis, canvasId, AuditAction.RevertUser, {
        actor: admin.name,
        details: { ...request, pixels: revertPlan.pixels.size, ...(archive ? { archive } : {}) },
      });
      const outcome = await runRevert(redis, canvasId, revertPlan, {
        userId: request.userId,
        adminUserId: `admin:${admin.name}`,
        streamMaxLength: deps.streamMaxLength,
        dryRun: false,
      });
      failIfRefused(outcome);
      deps.log.info({ admin: admin.name, userId: request.userId, since: request.since, reverted: outcome.changed, skipped: outcome.skipped }, 'user reverted');
      return { reverted: outcome.changed, skipped: outcome.skipped, coveredFrom: revertPlan.coveredFrom, ...(archive ? { archive } : {}) };
    },
  };
}

export type ModerationOperations = ReturnType<typeof createModerationOperations>;

import {
  ADMIN_API_BASE,
  type HistoryViewerMode,
  type AdminConfigChange,
  type AdminConfigResponse,
  type AdminError,
  type AdminIdentity,
  type AuditPage,
  type AddressBanEntry,
  type AddressBanList,
  type AddressBanRequest,
  type AddressUnbanResponse,
  type BanEntry,
  type BanList,
  type BanRequest,
  type EventStatsReport,
  type ChallengeRequest,
  type RecolorRequest,
  type RegionResponse,
  type RemoveColorsResponse,
  type ResizeResponse,
  type Rect,
  type SnapshotList,
  type UnbanResponse,
  type OfficialTemplate,
  type RulesText,
  type AdminPixelInfo,
  type AdminUserInfo,
  type OwnerLookup,
  type RevertPreview,
  type RevertPreviewRequest,
  type RevertRequest,
  type RevertResponse,
  type TopPlacers,
} from '@tessera/protocol';

/** An admin API call that was answered with an error body. */
export class AdminApiError extends Error {
  override readonly name = 'AdminApiError';
  constructor(
    readonly status: number,
    readonly body: AdminError,
  ) {
    super(`${body.error}${body.field ? ` (${body.field})` : ''}${body.message ? `: ${body.message}` : ''}`);
  }
}

/** The admin REST API, typed from the shared request and response types. */
export function createAdminApiClient(token: string, baseUrl = '') {
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${baseUrl}${ADMIN_API_BASE}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      cache: 'no-store',
    });
    const parsed = (await response.json().catch(() => ({ error: 'INTERNAL' }))) as T | AdminError;
    if (!response.ok) throw new AdminApiError(response.status, parsed as AdminError);
    return parsed as T;
  }
  return {
    whoami: () => call<AdminIdentity>('GET', '/whoami'),
    config: () => call<AdminConfigResponse>('GET', '/config'),
    recolor: (colors: RecolorRequest['colors']) => call<AdminConfigChange>('PATCH', '/palette', { colors }),
    addColors: (colors: readonly string[]) => call<AdminConfigChange>('POST', '/palette/colors', { colors }),
    removeColor: (index: number, mapTo: number) => call<RemoveColorsResponse>('POST', '/palette/remove', { remove: [{ index, mapTo }] }),
    resize: (width: number, height: number) => call<ResizeResponse>('PUT', '/size', { width, height }),
    setCooldown: (cooldownMs: number) => call<AdminConfigChange>('PUT', '/cooldown', { cooldownMs }),
    setPaused: (paused: boolean) => call<AdminConfigChange>('PUT', '/paused', { paused }),
    setChallenge: (settings: ChallengeRequest) => call<AdminConfigChange>('PUT', '/challenge', settings),
    setHistoryViewer: (mode: HistoryViewerMode) => call<AdminConfigChange>('PUT', '/history-viewer', { mode }),
    bans: () => call<BanList>('GET', '/bans'),
    ban: (userId: string, request: BanRequest) => call<BanEntry>('PUT', `/bans/${encodeURIComponent(userId)}`, request),
    unban: (userId: string) => call<UnbanResponse>('DELETE', `/bans/${encodeURIComponent(userId)}`),
    addressBans: () => call<AddressBanList>('GET', '/address-bans'),
    banAddress: (request: AddressBanRequest) => call<AddressBanEntry>('PUT', '/address-bans', request),
    unbanAddress: (prefix: string) => call<AddressUnbanResponse>('DELETE', `/address-bans?address=${encodeURIComponent(prefix)}`),
    erase: (rect: Rect) => call<RegionResponse>('POST', '/rollback/erase', rect),
    restoreRegion: (rect: Rect, snapshot: string) => call<RegionResponse>('POST', '/rollback/restore', { ...rect, snapshot }),
    snapshots: () => call<SnapshotList>('GET', '/snapshots'),
    takeSnapshot: () => call<Record<string, unknown>>('POST', '/snapshots'),
    restoreSnapshot: (key: string) => call<AdminConfigChange>('POST', '/snapshots/restore', { key }),
    stats: () => call<EventStatsReport>('GET', '/stats'),
    templates: () => call<{ templates: OfficialTemplate[] }>('GET', '/templates'),
    pinTemplate: ({ id, ...template }: OfficialTemplate) => call<OfficialTemplate>('PUT', `/templates/${encodeURIComponent(id)}`, template),
    unpinTemplate: (id: string) => call<{ id: string; wasPinned: boolean }>('DELETE', `/templates/${encodeURIComponent(id)}`),
    rules: () => call<RulesText>('GET', '/rules'),
    putRules: (text: string) => call<RulesText>('PUT', '/rules', { text }),
    audit: (before?: string) => call<AuditPage>('GET', `/audit?limit=50${before ? `&before=${encodeURIComponent(before)}` : ''}`),
    pixel: (x: number, y: number) => call<AdminPixelInfo>('GET', `/pixels/${x}/${y}`),
    user: (userId: string) => call<AdminUserInfo>('GET', `/users/${encodeURIComponent(userId)}`),
    topPlacers: (since?: number, limit = 20) => call<TopPlacers>('GET', `/top-placers?limit=${limit}${since === undefined ? '' : `&since=${since}`}`),
    revertPreview: (request: RevertPreviewRequest) => call<RevertPreview>('POST', '/revert/preview', request),
    revert: (request: RevertRequest) => call<RevertResponse>('POST', '/revert', request),
    setOwnerLookup: (ownerLookup: OwnerLookup) => call<AdminConfigChange>('PUT', '/owner-lookup', { ownerLookup }),
  };
}

export type AdminApiClient = ReturnType<typeof createAdminApiClient>;

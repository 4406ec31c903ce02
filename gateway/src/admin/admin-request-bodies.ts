import type { AdminRequest, AdminRequestName } from '@tessera/protocol';

/**
 * Which request schema (protocol's ADMIN_REQUEST_SCHEMAS) each admin operation's body matches,
 * by `METHOD /path` as the OpenAPI document names it. The router types each handler's body
 * from this, and refuses to start when the document names another schema for the operation.
 */
export const ADMIN_REQUEST_BODIES = {
  'PATCH /palette': 'RecolorRequest',
  'POST /palette/colors': 'AddColorsRequest',
  'POST /palette/remove': 'RemoveColorsRequest',
  'PUT /size': 'ResizeRequest',
  'PUT /cooldown': 'CooldownRequest',
  'PUT /paused': 'PausedRequest',
  'PUT /challenge': 'ChallengeRequest',
  'PUT /history-viewer': 'HistoryViewerRequest',
  'PUT /datasets-public': 'DatasetsPublicRequest',
  'PUT /bans/{userId}': 'BanRequest',
  'PUT /address-bans': 'AddressBanRequest',
  'POST /rollback/erase': 'EraseRequest',
  'POST /rollback/restore': 'RestoreRegionRequest',
  'POST /snapshots/restore': 'RestoreSnapshotRequest',
  'PUT /templates/{templateId}': 'PinTemplateRequest',
  'PUT /rules': 'RulesRequest',
  'POST /revert/preview': 'RevertPreviewRequest',
  'POST /revert': 'RevertRequest',
  'PUT /owner-lookup': 'OwnerLookupRequest',
} as const satisfies Record<string, AdminRequestName>;

export type AdminOperationKey = keyof typeof ADMIN_REQUEST_BODIES;

/** The validated body an operation's handler receives: its schema's type, else unknown (not typed yet, or none). */
export type RequestBodyOf<Key extends string> = Key extends AdminOperationKey ? AdminRequest<(typeof ADMIN_REQUEST_BODIES)[Key]> : unknown;

/** The schema name the document's request body of `METHOD /path` refers to, or undefined. */
export function documentedRequestBody(document: unknown, method: string, path: string): string | undefined {
  const operation = (document as { paths?: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: { $ref?: unknown } }> } }>> })
    .paths?.[path]?.[method];
  const ref = operation?.requestBody?.content?.['application/json']?.schema?.$ref;
  return typeof ref === 'string' ? ref.replace('#/components/schemas/', '') : undefined;
}

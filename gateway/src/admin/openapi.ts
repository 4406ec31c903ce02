import {
  ADDRESS_SCHEMA,
  ADMIN_API_BASE,
  ADMIN_LIMITS,
  ADMIN_REQUEST_SCHEMAS,
  AdminErrorCode,
  CHALLENGE_SETTINGS_SCHEMA,
  COLOR_SCHEMA,
  HISTORY_VIEWER_MODES,
  LIMITS,
  OWNER_LOOKUPS,
  TEMPLATE_LIMITS,
  TEMPLATE_PROPERTIES,
  type AdminRequestName,
} from '@tessera/protocol';
import { BAN_PREFIX_LENGTHS } from '../address-prefix.js';
import { HISTORY_JOB_PATHS, HISTORY_JOB_SCHEMAS } from './history-jobs-openapi.js';
import { MODERATION_PATHS, MODERATION_SCHEMAS } from './moderation-openapi.js';

/**
 * The admin API's OpenAPI 3.1 document: served at `GET /api/admin/openapi.json`, and the one
 * source of the request schemas the router validates with (admin-validation.ts compiles them), so
 * the documentation and the checks cannot drift apart. Tests check every response against it.
 */
type Json = string | number | boolean | null | readonly Json[] | { readonly [key: string]: Json };
export type OpenApiDocument = Readonly<Record<string, Json>>;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json) => ({ content: { 'application/json': { schema } } });
const integer = (minimum: number, maximum: number, description?: string): Json =>
  description === undefined ? { type: 'integer', minimum, maximum } : { type: 'integer', minimum, maximum, description };
const object = (properties: Record<string, Json>, required: readonly string[], description?: string): Json => ({
  type: 'object',
  ...(description === undefined ? {} : { description }),
  properties,
  required,
  additionalProperties: false,
});

const side = integer(LIMITS.minCanvasSide, LIMITS.maxCanvasSide);
const paletteIndex = integer(0, LIMITS.maxPaletteSize - 1);

/** Answers every authenticated operation may give besides its own (503: Redis is unreachable). */
const common = {
  '401': { $ref: '#/components/responses/Unauthorized' },
  '403': { $ref: '#/components/responses/Forbidden' },
  '429': { $ref: '#/components/responses/RateLimited' },
  '503': { $ref: '#/components/responses/Unavailable' },
};
const mutating = {
  ...common,
  '400': { $ref: '#/components/responses/InvalidPayload' },
  '409': { $ref: '#/components/responses/Conflict' },
  '503': { $ref: '#/components/responses/Unavailable' },
};
const snapshotAnswers = { ...common, '503': { $ref: '#/components/responses/Unavailable' } };

function operation(
  summary: string,
  description: string,
  responses: Record<string, Json>,
  extra: { requestBody?: AdminRequestName; parameters?: readonly Json[]; operationId: string; tags: readonly string[] },
): Json {
  return {
    operationId: extra.operationId,
    tags: extra.tags,
    summary,
    description,
    ...(extra.parameters ? { parameters: extra.parameters } : {}),
    ...(extra.requestBody ? { requestBody: { required: true, ...json(ref(extra.requestBody)) } } : {}),
    responses,
  };
}

const ok = (schema: string, description: string) => ({ '200': { description, ...json(ref(schema)) } });
const userIdParameter = {
  name: 'userId',
  in: 'path',
  required: true,
  description: 'The user id as the gateway knows it (`g_…` for guests, `a_<sub>` for accounts).',
  schema: { type: 'string', minLength: 1, maxLength: LIMITS.maxUserIdLength, pattern: '^[^\\u0000-\\u001f\\u007f]+$' },
};

const templateIdParameter = {
  name: 'templateId',
  in: 'path',
  required: true,
  description: 'Lower-case letters, digits and dashes, up to 40.',
  schema: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,39}$' },
};
const templateProperties = TEMPLATE_PROPERTIES;

export const ADMIN_OPENAPI: OpenApiDocument = {
  openapi: '3.1.0',
  jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
  info: {
    title: 'Tessera admin API',
    version: '1.0.0',
    description: [
      'Live administration of one canvas: palette, size, cooldown, pause, user and address bans, rollbacks, snapshots, audit log.',
      'Every change is versioned in Redis, written to the audit stream, and pushed to every connected player',
      '(`config` event; `resync` when the canvas was rewritten outside the event stream).',
      'Authenticate with `Authorization: Bearer <token>`: an ADMIN_TOKENS token, or an identity-provider JWT',
      'whose role claim holds the admin role. No or an invalid credential: 401; a valid one without the role: 403.',
      'Requests are rate limited per credential (429 with Retry-After).',
      'Invalid bodies are refused with 400 `{ error: "INVALID_PAYLOAD", field, message }`; unknown fields are refused.',
    ].join(' '),
  },
  servers: [{ url: ADMIN_API_BASE }],
  security: [{ bearer: [] }],
  tags: [
    { name: 'canvas', description: 'Palette, size, cooldown, pause.' },
    { name: 'moderation', description: 'Bans and rollbacks.' },
    { name: 'snapshots', description: 'Served by the snapshotter; 503 when it is not deployed.' },
    { name: 'audit', description: 'Who did what, when.' },
    { name: 'stats', description: "The event's numbers, collected as they happen." },
    { name: 'players', description: 'What players read beside the canvas: official templates, the rules.' },
    { name: 'history', description: 'Timelapses, heatmaps, virgin maps and datasets, rendered by the snapshotter; 503 when it is not deployed.' },
  ],
  paths: {
    '/openapi.json': {
      get: {
        operationId: 'getOpenApi',
        summary: 'This document',
        security: [],
        responses: { '200': { description: 'The OpenAPI document.', content: { 'application/json': { schema: { type: 'object' } } } } },
      },
    },
    '/whoami': {
      get: operation(
        'The caller',
        'Checks a credential: the admin it belongs to.',
        { ...ok('AdminIdentity', 'The admin.'), ...common },
        {
          operationId: 'whoami',
          tags: ['audit'],
        },
      ),
    },
    '/config': {
      get: operation(
        'The canvas config',
        'The config as Redis holds it now (not a cache).',
        { ...ok('AdminConfig', 'The config.'), ...common, '503': { $ref: '#/components/responses/Unavailable' } },
        {
          operationId: 'getConfig',
          tags: ['canvas'],
        },
      ),
    },
    '/palette': {
      get: operation(
        'The palette',
        'The palette and the config version it belongs to.',
        { ...ok('Palette', 'The palette.'), ...common, '503': { $ref: '#/components/responses/Unavailable' } },
        {
          operationId: 'getPalette',
          tags: ['canvas'],
        },
      ),
      patch: operation(
        'Replace colours',
        'Gives existing palette indices new colours. Pixels keep their index, so players see them recoloured at once; no canvas data changes.',
        { ...ok('ConfigChange', 'The new config.'), ...mutating },
        { operationId: 'recolor', tags: ['canvas'], requestBody: 'RecolorRequest' },
      ),
    },
    '/palette/colors': {
      post: operation(
        'Add colours',
        'Appends colours at the end of the palette.',
        { ...ok('ConfigChange', 'The new config.'), ...mutating },
        {
          operationId: 'addColors',
          tags: ['canvas'],
          requestBody: 'AddColorsRequest',
        },
      ),
    },
    '/palette/remove': {
      post: operation(
        'Remove colours',
        [
          'Removes colours; each removed index names the kept index (current numbering) its pixels become.',
          'The colours after a removed one move down, keeping their order; index 0 (the background) cannot be removed.',
          'Placements are limited to the indices below the first removed one while every chunk is rewritten (each chunk',
          'atomically); then the new palette is installed in one versioned step, and players re-read the canvas.',
        ].join(' '),
        { ...ok('RemoveColorsResponse', 'The new config and the old-to-new index table.'), ...mutating },
        { operationId: 'removeColors', tags: ['canvas'], requestBody: 'RemoveColorsRequest' },
      ),
    },
    '/size': {
      put: operation(
        'Resize the canvas',
        [
          'Grows or shrinks the canvas live. Growing adds background. Shrinking erases every pixel outside the new',
          'bounds in the same atomic step, so growing back later shows background, never stale art; players re-read the',
          'canvas when anything was erased.',
        ].join(' '),
        { ...ok('ResizeResponse', 'The new config, and whether pixels were erased.'), ...mutating },
        { operationId: 'resize', tags: ['canvas'], requestBody: 'ResizeRequest' },
      ),
    },
    '/cooldown': {
      put: operation(
        'Set the cooldown',
        "Sets the time between two placements of one player (0: none). Applies at once to players already waiting: a wait ends at their placement time plus the new cooldown, but never later than the end their placement was given (a raise applies from each player's next placement).",
        { ...ok('ConfigChange', 'The new config.'), ...mutating },
        {
          operationId: 'setCooldown',
          tags: ['canvas'],
          requestBody: 'CooldownRequest',
        },
      ),
    },
    '/paused': {
      put: operation(
        'Pause or resume',
        'While paused, every placement is refused with PAUSED.',
        { ...ok('ConfigChange', 'The new config.'), ...mutating },
        {
          operationId: 'setPaused',
          tags: ['canvas'],
          requestBody: 'PausedRequest',
        },
      ),
    },
    '/challenge': {
      put: operation(
        'Set the proof-of-work challenge',
        [
          'Who must solve an ALTCHA proof-of-work challenge (`off`, `guests`, `everyone`) and where it is checked:',
          '`handshake` (one solution per connection, in `auth.altcha`) or `placement` (one `proof` per accepted placement).',
          'Takes effect live on every gateway: players already connected are asked at their next placement',
          '(CHALLENGE_REQUIRED, answered by a `proof` event), and in handshake mode again at every reconnection.',
        ].join(' '),
        { ...ok('ConfigChange', 'The new config.'), ...mutating },
        { operationId: 'setChallenge', tags: ['canvas'], requestBody: 'ChallengeRequest' },
      ),
    },
    '/history-viewer': {
      put: operation(
        'Open or close the history viewer',
        'Who may scrub through the canvas history: `off` nobody, `on` every player, `while-paused` every player while the canvas is paused (an event ends by pausing it). Closed, the history endpoints answer 403 HISTORY_CLOSED; objects a CDN already holds stay there until purged.',
        { ...ok('ConfigChange', 'The new config.'), ...mutating },
        { operationId: 'setHistoryViewer', tags: ['canvas'], requestBody: 'HistoryViewerRequest' },
      ),
    },
    '/bans': {
      get: operation(
        'Bans in force',
        'Every ban that has not expired, newest first.',
        { ...ok('BanList', 'The bans.'), ...common },
        {
          operationId: 'listBans',
          tags: ['moderation'],
        },
      ),
    },
    '/bans/{userId}': {
      put: operation(
        'Ban a user',
        "Refuses the user's placements and handshakes, and disconnects their sockets on every gateway at once. Banning again replaces the ban.",
        { ...ok('Ban', 'The ban.'), ...mutating },
        { operationId: 'ban', tags: ['moderation'], requestBody: 'BanRequest', parameters: [userIdParameter] },
      ),
      delete: operation(
        'Unban a user',
        'Lifts the ban (a no-op for a user who is not banned).',
        { ...ok('UnbanResponse', 'Whether a ban was lifted.'), ...common, '400': { $ref: '#/components/responses/InvalidPayload' } },
        {
          operationId: 'unban',
          tags: ['moderation'],
          parameters: [userIdParameter],
        },
      ),
    },
    '/address-bans': {
      get: operation(
        'Address bans in force',
        'Every address ban that has not expired, newest first.',
        { ...ok('AddressBanList', 'The address bans.'), ...common },
        {
          operationId: 'listAddressBans',
          tags: ['moderation'],
        },
      ),
      put: operation(
        'Ban an address or a prefix',
        [
          'Refuses placements and handshakes from every address the prefix covers, whoever the player is (guests who',
          'clear their storage included), and disconnects those sockets on every gateway at once. An IPv4 address means',
          'itself; a bare IPv6 address means its whole prefix (IPV6_PREFIX_LENGTH, a /64 by default). Prefix lengths are a',
          `fixed set: IPv4 ${BAN_PREFIX_LENGTHS.ipv4.join(', ')}; IPv6 ${BAN_PREFIX_LENGTHS.ipv6.join(', ')} (up to IPV6_PREFIX_LENGTH);`,
          'a prefix with address bits set beyond its length is refused. Banning again replaces the ban.',
        ].join(' '),
        { ...ok('AddressBan', 'The ban, with the canonical prefix.'), ...mutating },
        { operationId: 'banAddress', tags: ['moderation'], requestBody: 'AddressBanRequest' },
      ),
      delete: operation(
        'Unban an address or a prefix',
        'Lifts the ban of exactly this prefix (a no-op when it is not banned).',
        { ...ok('AddressUnbanResponse', 'Whether a ban was lifted.'), ...common, '400': { $ref: '#/components/responses/InvalidPayload' } },
        {
          operationId: 'unbanAddress',
          tags: ['moderation'],
          parameters: [
            { name: 'address', in: 'query', required: true, description: 'The address or prefix, as banned (`203.0.113.0/24`).', schema: ref('AddressText') },
          ],
        },
      ),
    },
    '/rollback/erase': {
      post: operation(
        'Erase a rectangle',
        `Sets every pixel of the rectangle (clipped to the canvas) to the background, through the event stream: each changed pixel is one event by \`admin:<name>\`, so deltas carry it to every player and history stays exact. At most ${ADMIN_LIMITS.maxRegionPixels} pixels.`,
        { ...ok('RegionResponse', 'How many pixels changed.'), ...mutating },
        { operationId: 'erase', tags: ['moderation'], requestBody: 'EraseRequest' },
      ),
    },
    '/rollback/restore': {
      post: operation(
        'Restore a rectangle from a snapshot',
        `Sets every pixel of the rectangle to its colour in the snapshot, through the event stream like an erase. At most ${ADMIN_LIMITS.maxRegionPixels} pixels. 503 when the snapshotter is not deployed.`,
        { ...ok('RegionResponse', 'How many pixels changed.'), ...mutating, '404': { $ref: '#/components/responses/NotFound' } },
        { operationId: 'restoreRegion', tags: ['moderation'], requestBody: 'RestoreRegionRequest' },
      ),
    },
    '/snapshots': {
      get: operation(
        'List snapshots',
        'Snapshots in storage, newest first.',
        { ...ok('SnapshotList', 'The snapshots.'), ...snapshotAnswers },
        {
          operationId: 'listSnapshots',
          tags: ['snapshots'],
        },
      ),
      post: operation(
        'Take a snapshot now',
        'Asks the snapshotter for a snapshot and waits for it.',
        { ...ok('SnapshotTaken', 'The snapshot taken, or why none was needed.'), ...snapshotAnswers },
        {
          operationId: 'takeSnapshot',
          tags: ['snapshots'],
        },
      ),
    },
    '/snapshots/restore': {
      post: operation(
        'Restore a snapshot',
        'Replaces the whole canvas (pixels and config) with the snapshot; players re-read it. The event stream, bans and the audit log are kept.',
        { ...ok('RestoreSnapshotResponse', 'The config now in force.'), ...mutating, '404': { $ref: '#/components/responses/NotFound' } },
        { operationId: 'restoreSnapshot', tags: ['snapshots'], requestBody: 'RestoreSnapshotRequest' },
      ),
    },
    '/templates': {
      get: operation(
        'Official templates',
        'The templates every player can toggle (players read them at `GET /api/canvas/templates`).',
        { ...ok('TemplateList', 'The pinned templates, in id order.'), ...common },
        {
          operationId: 'listTemplates',
          tags: ['players'],
        },
      ),
    },
    '/templates/{templateId}': {
      put: operation(
        'Pin an official template',
        `Pins (or replaces) the template with this id; at most ${TEMPLATE_LIMITS.maxOfficial} (409 beyond). Players' browsers fetch the image, so its host must allow CORS.`,
        { ...ok('OfficialTemplate', 'The pinned template.'), ...mutating },
        { operationId: 'pinTemplate', tags: ['players'], requestBody: 'PinTemplateRequest', parameters: [templateIdParameter] },
      ),
      delete: operation(
        'Unpin an official template',
        'Players stop seeing it on their next load.',
        { ...ok('UnpinTemplateResponse', 'Whether it was pinned.'), ...mutating },
        {
          operationId: 'unpinTemplate',
          tags: ['players'],
          parameters: [templateIdParameter],
        },
      ),
    },
    '/rules': {
      get: operation(
        'The rules text',
        'The rules and help players see (also at `GET /api/canvas/rules`).',
        { ...ok('RulesText', 'The text and its version.'), ...common },
        {
          operationId: 'getRules',
          tags: ['players'],
        },
      ),
      put: operation(
        'Replace the rules text',
        'Plain text: blank lines separate paragraphs, lines starting with `- ` are list items; shown as text, never as HTML. Every edit bumps the version, and players see the panel again.',
        { ...ok('RulesText', 'The new text and version.'), ...mutating },
        { operationId: 'putRules', tags: ['players'], requestBody: 'RulesRequest' },
      ),
    },
    '/audit': {
      get: operation(
        'The audit log',
        'Admin actions, newest first.',
        { ...ok('AuditPage', 'One page of entries.'), ...common, '400': { $ref: '#/components/responses/InvalidPayload' } },
        {
          operationId: 'audit',
          tags: ['audit'],
          parameters: [
            { name: 'limit', in: 'query', required: false, description: 'Entries per page (default 50).', schema: integer(1, ADMIN_LIMITS.maxAuditPage) },
            {
              name: 'before',
              in: 'query',
              required: false,
              description: 'Only entries older than this id (the `next` of the previous page); `0-0` has nothing older and is refused.',
              schema: { type: 'string', pattern: '^(?!0+-0+$)\\d{1,16}-\\d{1,16}$' },
            },
          ],
        },
      ),
    },
    '/stats': {
      get: operation(
        "The event's numbers",
        'Unique users, signed-in users, canvas loads, players online now and at the peak, placements in total, per minute and at the peak second. Placements are counted by the writer as it reads them (exactly once, by stream time); `countedThrough` is the stream position they are counted through. Unique users are HyperLogLog estimates (±0.81%).',
        { ...ok('EventStats', 'The numbers now; export them as they are.'), ...common },
        { operationId: 'stats', tags: ['stats'] },
      ),
    },
    ...(MODERATION_PATHS as Record<string, Json>),
    ...HISTORY_JOB_PATHS,
  },
  components: {
    securitySchemes: {
      bearer: { type: 'http', scheme: 'bearer', description: 'An ADMIN_TOKENS token, or a JWT carrying the admin role.' },
    },
    responses: {
      InvalidPayload: { description: 'The request is malformed; `field` names the first bad field.', ...json(ref('Error')) },
      Unauthorized: { description: 'No credential, or an invalid one.', ...json(ref('Error')) },
      Forbidden: { description: 'A valid credential without the admin role.', ...json(ref('Error')) },
      NotFound: { description: 'No such snapshot.', ...json(ref('Error')) },
      Conflict: { description: 'The config kept changing under the request, or a colour removal is in progress: try again.', ...json(ref('Error')) },
      RateLimited: {
        description: 'Too many requests with this credential.',
        headers: { 'Retry-After': { description: 'Seconds until the next request is allowed.', schema: { type: 'integer', minimum: 1 } } },
        ...json(ref('Error')),
      },
      Unavailable: {
        description: 'The canvas does not exist or its Redis is unreachable (CANVAS_UNAVAILABLE), or the snapshotter is not deployed or did not answer.',
        ...json(ref('Error')),
      },
    },
    schemas: {
      Error: {
        type: 'object',
        properties: {
          error: {
            type: 'string',
            // Every code of the closed list, so a code added there is documented here.
            enum: Object.values(AdminErrorCode),
          },
          field: { type: 'string', description: 'For INVALID_PAYLOAD: the bad field as a dotted path, or `body`.' },
          message: { type: 'string' },
        },
        required: ['error'],
        additionalProperties: false,
      },
      Color: COLOR_SCHEMA,
      CanvasConfig: object(
        {
          width: side,
          height: side,
          palette: { type: 'array', items: ref('Color'), minItems: LIMITS.minPaletteSize, maxItems: LIMITS.maxPaletteSize },
          cooldownMs: integer(0, LIMITS.maxCooldownMs),
          paused: { type: 'boolean' },
          challenge: ref('ChallengeSettings'),
          version: { type: 'integer', minimum: 1 },
          historyViewer: { type: 'string', enum: [...HISTORY_VIEWER_MODES], description: 'Who may open the history viewer; absent: off.' },
          ownerLookup: { type: 'string', enum: OWNER_LOOKUPS, description: 'What players see of who placed a pixel (absent: names).' },
          datasetsPublic: { type: 'boolean' },
        },
        ['width', 'height', 'palette', 'cooldownMs', 'paused', 'challenge', 'version'],
      ),
      AdminIdentity: object({ name: { type: 'string' }, via: { type: 'string', enum: ['token', 'jwt'] } }, ['name', 'via']),
      AdminConfig: object(
        { canvasId: { type: 'string' }, config: ref('CanvasConfig'), remapping: { type: 'boolean', description: 'A colour removal is rewriting the canvas.' } },
        ['canvasId', 'config', 'remapping'],
      ),
      Palette: object({ palette: { type: 'array', items: ref('Color') }, version: { type: 'integer', minimum: 1 } }, ['palette', 'version']),
      ConfigChange: object({ config: ref('CanvasConfig') }, ['config']),
      RecolorRequest: ADMIN_REQUEST_SCHEMAS.RecolorRequest,
      AddColorsRequest: ADMIN_REQUEST_SCHEMAS.AddColorsRequest,
      RemoveColorsRequest: ADMIN_REQUEST_SCHEMAS.RemoveColorsRequest,
      RemoveColorsResponse: object(
        { config: ref('CanvasConfig'), mapping: { type: 'array', items: paletteIndex, description: 'For every old index, its new index.' } },
        ['config', 'mapping'],
      ),
      ResizeRequest: ADMIN_REQUEST_SCHEMAS.ResizeRequest,
      ResizeResponse: object({ config: ref('CanvasConfig'), erased: { type: 'boolean' } }, ['config', 'erased']),
      CooldownRequest: ADMIN_REQUEST_SCHEMAS.CooldownRequest,
      PausedRequest: ADMIN_REQUEST_SCHEMAS.PausedRequest,
      ChallengeSettings: CHALLENGE_SETTINGS_SCHEMA,
      ChallengeRequest: ADMIN_REQUEST_SCHEMAS.ChallengeRequest,
      HistoryViewerRequest: ADMIN_REQUEST_SCHEMAS.HistoryViewerRequest,
      DatasetsPublicRequest: ADMIN_REQUEST_SCHEMAS.DatasetsPublicRequest,
      BanRequest: ADMIN_REQUEST_SCHEMAS.BanRequest,
      Ban: object(
        {
          userId: { type: 'string' },
          expiresAt: { type: 'integer', minimum: 0, description: 'Epoch ms; 0: never.' },
          reason: { type: 'string' },
          by: { type: 'string' },
          at: { type: 'integer', minimum: 0 },
        },
        ['userId', 'expiresAt', 'reason', 'by', 'at'],
      ),
      BanList: object({ bans: { type: 'array', items: ref('Ban') } }, ['bans']),
      AddressText: ADDRESS_SCHEMA,
      AddressBanRequest: ADMIN_REQUEST_SCHEMAS.AddressBanRequest,
      AddressBan: object(
        {
          prefix: { type: 'string', description: 'The canonical prefix banned: pass it to unban.' },
          expiresAt: { type: 'integer', minimum: 0, description: 'Epoch ms; 0: never.' },
          reason: { type: 'string' },
          by: { type: 'string' },
          at: { type: 'integer', minimum: 0 },
        },
        ['prefix', 'expiresAt', 'reason', 'by', 'at'],
      ),
      AddressBanList: object({ bans: { type: 'array', items: ref('AddressBan') } }, ['bans']),
      AddressUnbanResponse: object({ prefix: { type: 'string' }, wasBanned: { type: 'boolean' } }, ['prefix', 'wasBanned']),
      UnbanResponse: object({ userId: { type: 'string' }, wasBanned: { type: 'boolean' } }, ['userId', 'wasBanned']),
      EraseRequest: ADMIN_REQUEST_SCHEMAS.EraseRequest,
      RestoreRegionRequest: ADMIN_REQUEST_SCHEMAS.RestoreRegionRequest,
      RegionResponse: object({ changed: { type: 'integer', minimum: 0 }, pixels: { type: 'integer', minimum: 0 } }, ['changed', 'pixels']),
      Snapshot: {
        type: 'object',
        description: 'A snapshot as the snapshotter describes it; `key` identifies it.',
        properties: { key: { type: 'string' }, takenAt: { type: 'integer', minimum: 0 } },
        required: ['key', 'takenAt'],
      },
      SnapshotTaken: {
        type: 'object',
        description: "The snapshotter's report: `taken: false` with a `reason` when the canvas is unchanged since the newest snapshot.",
        properties: { taken: { type: 'boolean' }, key: { type: 'string' }, reason: { type: 'string' } },
        required: ['taken'],
      },
      SnapshotList: object({ snapshots: { type: 'array', items: ref('Snapshot') } }, ['snapshots']),
      RestoreSnapshotRequest: ADMIN_REQUEST_SCHEMAS.RestoreSnapshotRequest,
      RestoreSnapshotResponse: object({ config: ref('CanvasConfig'), snapshot: { type: 'string' } }, ['config', 'snapshot']),
      AuditEntry: object(
        {
          id: { type: 'string' },
          action: { type: 'string' },
          actor: { type: 'string' },
          at: { type: 'integer', minimum: 0 },
          details: { type: 'object' },
        },
        ['id', 'action', 'actor', 'at', 'details'],
      ),
      StatsPeak: object(
        {
          value: { type: 'integer', minimum: 0 },
          at: { type: 'integer', minimum: 0, description: 'Epoch ms it was reached (the start of the second for placements); 0: never.' },
        },
        ['value', 'at'],
      ),
      StatsMinute: object(
        {
          minute: { type: 'integer', minimum: 0, description: 'Start of the minute, epoch ms.' },
          placements: { type: 'integer', minimum: 0 },
          canvasLoads: { type: 'integer', minimum: 0 },
          peakOnline: { type: 'integer', minimum: 0, description: 'Most players online at once during the minute.' },
        },
        ['minute', 'placements', 'canvasLoads', 'peakOnline'],
      ),
      EventStats: object(
        {
          canvasId: { type: 'string' },
          at: { type: 'integer', minimum: 0, description: 'When these numbers were read, epoch ms.' },
          online: { type: 'integer', minimum: 0, description: 'Players online now across every gateway.' },
          uniqueUsers: { type: 'integer', minimum: 0, description: 'Distinct users who placed (estimate).' },
          signedInUsers: { type: 'integer', minimum: 0, description: 'Distinct signed-in users (accounts, not guests) who placed (estimate).' },
          canvasLoads: { type: 'integer', minimum: 0, description: "Page loads: each page's first connection." },
          placements: { type: 'integer', minimum: 0, description: 'Placements in total (admin rollbacks excluded).' },
          peakOnline: ref('StatsPeak'),
          peakPlacementsPerSecond: ref('StatsPeak'),
          countedThrough: { type: 'string', pattern: '^\\d{1,16}-\\d{1,16}$' },
          perMinute: { type: 'array', items: ref('StatsMinute'), description: 'Every minute with a placement, a load or a presence report, oldest first.' },
        },
        [
          'canvasId',
          'at',
          'online',
          'uniqueUsers',
          'signedInUsers',
          'canvasLoads',
          'placements',
          'peakOnline',
          'peakPlacementsPerSecond',
          'countedThrough',
          'perMinute',
        ],
      ),
      AuditPage: object({ entries: { type: 'array', items: ref('AuditEntry') }, next: { type: 'string' } }, ['entries']),
      PinTemplateRequest: ADMIN_REQUEST_SCHEMAS.PinTemplateRequest,
      OfficialTemplate: object({ id: { type: 'string' }, ...templateProperties }, ['id', 'name', 'url', 'x', 'y', 'scale']),
      TemplateList: object({ templates: { type: 'array', items: ref('OfficialTemplate'), maxItems: TEMPLATE_LIMITS.maxOfficial } }, ['templates']),
      UnpinTemplateResponse: object({ id: { type: 'string' }, wasPinned: { type: 'boolean' } }, ['id', 'wasPinned']),
      RulesRequest: ADMIN_REQUEST_SCHEMAS.RulesRequest,
      RulesText: object({ text: { type: 'string' }, version: { type: 'integer', minimum: 0 } }, ['text', 'version']),
      ...(MODERATION_SCHEMAS as Record<string, Json>),
      ...HISTORY_JOB_SCHEMAS,
    },
  },
};

import { ADMIN_REQUEST_SCHEMAS, LIMITS, MODERATION_LIMITS, REVERT_ARCHIVE_USES } from '@tessera/protocol';

/**
 * The moderation part of the admin OpenAPI document (openapi.ts spreads these in): pixel owners,
 * per-user views, top placers, reverting a user, the owner-lookup setting.
 */
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown) => ({ content: { 'application/json': { schema } } });
const ok = (schema: string, description: string) => ({ '200': { description, ...json(ref(schema)) } });
const object = (properties: Record<string, unknown>, required: readonly string[], description?: string) => ({
  type: 'object',
  ...(description === undefined ? {} : { description }),
  properties,
  required,
  additionalProperties: false,
});
const answers = {
  '400': { $ref: '#/components/responses/InvalidPayload' },
  '401': { $ref: '#/components/responses/Unauthorized' },
  '403': { $ref: '#/components/responses/Forbidden' },
  '429': { $ref: '#/components/responses/RateLimited' },
  '503': { $ref: '#/components/responses/Unavailable' },
};
const epochMs = { type: 'integer', minimum: 0, description: 'Epoch ms.' };
const nullableEpochMs = { type: ['integer', 'null'], minimum: 0 };
const userId = { type: 'string', minLength: 1, maxLength: LIMITS.maxUserIdLength, pattern: '^[^\\u0000-\\u001f\\u007f]+$' };
const coordinate = (name: string) => ({
  name,
  in: 'path',
  required: true,
  description: 'A pixel coordinate (a non-negative integer below the canvas side).',
  schema: { type: 'string', pattern: '^\\d{1,5}$' },
});
const operation = (operationId: string, summary: string, description: string, responses: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  operationId,
  tags: ['moderation'],
  summary,
  description,
  ...extra,
  responses,
});
const body = (schema: string) => ({ requestBody: { required: true, ...json(ref(schema)) } });
const owner = object(
  {
    userId: { type: 'string' },
    kind: { type: 'string', enum: ['user', 'guest', 'admin'] },
    displayName: { type: ['string', 'null'], description: "An account's display name as its token last carried it; null for guests and admins." },
    pseudonym: { type: 'string', description: 'What players see instead of a name (`anon-…`).' },
  },
  ['userId', 'kind', 'displayName', 'pseudonym'],
);

export const MODERATION_PATHS = {
  '/pixels/{x}/{y}': {
    get: operation(
      'adminPixel',
      'Who placed a pixel',
      "The pixel's colour, and the user of its newest event (a placement, or `admin:<name>` for a rollback or revert) with when, from the ownership index the placement script keeps; null owner: nobody on record (never placed, or forgotten by a snapshot restore or a shrink).",
      { ...ok('AdminPixel', 'The pixel and its owner.'), ...answers },
      { parameters: [coordinate('x'), coordinate('y')] },
    ),
  },
  '/users/{userId}': {
    get: operation(
      'adminUser',
      'A user at a glance',
      `Placements in total and per minute (the last ${MODERATION_LIMITS.activityHours} hours), the newest ${MODERATION_LIMITS.recentPlacements} placements, the addresses the user connected from (the address-ban keys), and the ban in force. Counted by the writer from the event stream, so a placement shows up within a tick.`,
      { ...ok('AdminUser', 'The user.'), ...answers },
      { parameters: [{ name: 'userId', in: 'path', required: true, description: 'The user id (`g_…` for guests, `a_<sub>` for accounts).', schema: userId }] },
    ),
  },
  '/top-placers': {
    get: operation(
      'topPlacers',
      'Who placed the most',
      `Users by placements, most first; with \`since\`, placements since then, counted by the hour (the hour holding \`since\` counts whole) and at most ${MODERATION_LIMITS.activityHours} hours back; without it, of all time. Admin paints are not counted.`,
      { ...ok('TopPlacers', 'The users.'), ...answers },
      {
        parameters: [
          { name: 'since', in: 'query', required: false, description: 'Epoch ms.', schema: { type: 'integer', minimum: 0, maximum: 8_640_000_000_000_000 } },
          {
            name: 'limit',
            in: 'query',
            required: false,
            description: 'Users to list (default 20).',
            schema: { type: 'integer', minimum: 1, maximum: MODERATION_LIMITS.maxTopPlacers },
          },
        ],
      },
    ),
  },
  '/revert/preview': {
    post: operation(
      'revertPreview',
      'What reverting a user would do',
      'Counts, without changing anything, the pixels a revert would put back now and those it would leave because someone placed over them since. Judged by the same script as the revert.',
      { ...ok('RevertPreview', 'The counts.'), ...answers, '409': { $ref: '#/components/responses/Conflict' } },
      body('RevertPreviewRequest'),
    ),
  },
  '/revert': {
    post: operation(
      'revert',
      'Revert a user',
      [
        'Puts every pixel the user placed since `since` back to the colour it had before their first placement there in that window',
        '(each placement event carries the colour it replaced), except pixels someone else has placed over since, which are left alone.',
        'Through the event stream, like an erase: each changed pixel is one event by `admin:<name>`, so deltas carry it and history stays exact;',
        "the pixels' owner becomes that admin. Audited. When entries from `since` on were trimmed from the stream (STREAM_MAX_LEN), the snapshotter",
        'replays the archived history for them (see `archive`); `coveredFrom`, when set, names the oldest moment reverted. A colour removed from the palette since is not put back.',
      ].join(' '),
      { ...ok('RevertResponse', 'What was done.'), ...answers, '409': { $ref: '#/components/responses/Conflict' } },
      body('RevertRequest'),
    ),
  },
  '/owner-lookup': {
    put: operation(
      'setOwnerLookup',
      'What players see of who placed a pixel',
      '`names`: display names of signed-in players, pseudonyms for guests (the default); `pseudonyms`: pseudonyms for everyone; `off`: the public lookup answers 403 LOOKUP_DISABLED. Versioned and pushed to players like every config change.',
      { ...ok('ConfigChange', 'The new config.'), ...answers, '409': { $ref: '#/components/responses/Conflict' } },
      body('OwnerLookupRequest'),
    ),
  },
};

/** Present when the stream was trimmed after `since`. */
const revertArchive = {
  type: 'string',
  enum: REVERT_ARCHIVE_USES,
  description:
    'Set when the event stream lost entries after `since`: `used` — the snapshotter replayed the archived history (keyframe and segments in S3) for the rest, and `coveredFrom` is null unless part of that history was lost too; `not-deployed` — no snapshotter (SNAPSHOTS_ENABLED=false), so only the stream from `coveredFrom` is reverted. With a snapshotter deployed that does not answer, the call is refused with 503 SNAPSHOTS_UNAVAILABLE and nothing changes.',
};

export const MODERATION_SCHEMAS = {
  PixelOwner: owner,
  AdminPixel: object(
    {
      x: { type: 'integer', minimum: 0 },
      y: { type: 'integer', minimum: 0 },
      color: { type: 'integer', minimum: 0, maximum: 255 },
      placedAt: { ...nullableEpochMs, description: 'When the colour was placed, to the second.' },
      owner: { oneOf: [{ type: 'null' }, ref('PixelOwner')] },
    },
    ['x', 'y', 'color', 'placedAt', 'owner'],
  ),
  AdminUser: object(
    {
      ...owner.properties,
      placements: { type: 'integer', minimum: 0 },
      firstPlacedAt: nullableEpochMs,
      lastPlacedAt: nullableEpochMs,
      perMinute: { type: 'array', items: object({ minute: epochMs, count: { type: 'integer', minimum: 1 } }, ['minute', 'count']) },
      recent: {
        type: 'array',
        maxItems: MODERATION_LIMITS.recentPlacements,
        items: object({ x: { type: 'integer', minimum: 0 }, y: { type: 'integer', minimum: 0 }, color: { type: 'integer', minimum: 0 }, at: epochMs }, [
          'x',
          'y',
          'color',
          'at',
        ]),
      },
      sessions: { type: 'array', items: object({ address: { type: 'string' }, firstSeen: epochMs, lastSeen: epochMs }, ['address', 'firstSeen', 'lastSeen']) },
      ban: { oneOf: [{ type: 'null' }, ref('Ban')] },
    },
    [...owner.required, 'placements', 'firstPlacedAt', 'lastPlacedAt', 'perMinute', 'recent', 'sessions', 'ban'],
  ),
  TopPlacers: object(
    { users: { type: 'array', items: object({ ...owner.properties, placements: { type: 'integer', minimum: 0 } }, [...owner.required, 'placements']) } },
    ['users'],
  ),
  RevertPreviewRequest: ADMIN_REQUEST_SCHEMAS.RevertPreviewRequest,
  RevertRequest: ADMIN_REQUEST_SCHEMAS.RevertRequest,
  RevertPreview: object(
    { pixels: { type: 'integer', minimum: 0 }, skipped: { type: 'integer', minimum: 0 }, coveredFrom: nullableEpochMs, archive: revertArchive },
    ['pixels', 'skipped', 'coveredFrom'],
  ),
  RevertResponse: object(
    { reverted: { type: 'integer', minimum: 0 }, skipped: { type: 'integer', minimum: 0 }, coveredFrom: nullableEpochMs, archive: revertArchive },
    ['reverted', 'skipped', 'coveredFrom'],
  ),
  OwnerLookupRequest: ADMIN_REQUEST_SCHEMAS.OwnerLookupRequest,
};

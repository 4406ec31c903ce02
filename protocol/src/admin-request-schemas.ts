import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import { ADMIN_LIMITS } from './admin-api.js';
import { OwnerLookup } from './canvas-config.js';
import { ChallengeMode, ChallengePoint } from './challenge.js';
import { HistoryViewerMode } from './history-viewer.js';
import { LIMITS } from './limits.js';
import { RULES_LIMITS } from './rules.js';
import { TEMPLATE_LIMITS } from './templates.js';

/**
 * The JSON Schemas of the admin API's request bodies: the one source of both the OpenAPI
 * document's request schemas (gateway/src/admin/openapi.ts, which the router validates with) and
 * the request types (AdminRequest<'…'>, derived with json-schema-to-ts), so a change to a schema
 * changes the type, and code that no longer fits it stops compiling.
 */

const integer = <Minimum extends number, Maximum extends number>(minimum: Minimum, maximum: Maximum) => ({ type: 'integer', minimum, maximum }) as const;
const side = integer(LIMITS.minCanvasSide, LIMITS.maxCanvasSide);
const coordinate = integer(0, LIMITS.maxCanvasSide - 1);
const paletteIndex = integer(0, LIMITS.maxPaletteSize - 1);
export const COLOR_SCHEMA = { type: 'string', pattern: '^#[0-9a-f]{6}$', description: 'A lower-case `#rrggbb` colour.' } as const;
const color = COLOR_SCHEMA;
export const ADDRESS_SCHEMA = {
  type: 'string',
  minLength: 2,
  maxLength: 64,
  pattern: '^[0-9A-Fa-f:.]+(/[0-9]{1,3})?$',
  description: 'An IPv4 or IPv6 address, or a prefix in CIDR notation (`203.0.113.0/24`, `2001:db8::/48`).',
} as const;
const banReason = { type: 'string', maxLength: ADMIN_LIMITS.maxBanReasonLength } as const;
const banDuration = { ...integer(1, ADMIN_LIMITS.maxBanDurationMs), description: 'How long the ban lasts; absent: forever.' } as const;
const snapshotKey = { type: 'string', minLength: 1, maxLength: 1024 } as const;
const rectProperties = { x: coordinate, y: coordinate, width: side, height: side } as const;
const userId = { type: 'string', minLength: 1, maxLength: LIMITS.maxUserIdLength, pattern: '^[^\\u0000-\\u001f\\u007f]+$' } as const;
const since = { type: 'integer', minimum: 0, maximum: 8_640_000_000_000_000, description: 'Placements at or after this epoch ms.' } as const;
/** Unknown fields are refused: every request object is closed. */
const closed = { type: 'object', additionalProperties: false } as const;

/** The template fields an admin pins (the stored template adds its id). */
export const TEMPLATE_PROPERTIES = {
  name: { type: 'string', minLength: 1, maxLength: TEMPLATE_LIMITS.maxNameLength, pattern: '^[^\\u0000-\\u001f\\u007f]+$' },
  url: {
    type: 'string',
    minLength: 8,
    maxLength: TEMPLATE_LIMITS.maxUrlLength,
    pattern: '^[Hh][Tt][Tt][Pp][Ss]?://[^\\s/?#]+[^\\s]*$',
    description: 'An absolute http(s) URL of the image.',
  },
  x: coordinate,
  y: coordinate,
  scale: { type: 'number', minimum: TEMPLATE_LIMITS.minScale, maximum: TEMPLATE_LIMITS.maxScale, description: 'Board pixels per image pixel.' },
} as const;

export const CHALLENGE_SETTINGS_SCHEMA = {
  ...closed,
  properties: {
    mode: { type: 'string', enum: Object.values(ChallengeMode), description: 'Who must solve a proof-of-work challenge.' },
    at: { type: 'string', enum: Object.values(ChallengePoint), description: 'Once per connection (handshake), or once per accepted placement.' },
  },
  required: ['mode', 'at'],
} as const;

export const ADMIN_REQUEST_SCHEMAS = {
  /** `PATCH /palette`: give existing indices new colours (pixels keep their index). */
  RecolorRequest: {
    ...closed,
    properties: {
      colors: {
        type: 'array',
        minItems: 1,
        maxItems: LIMITS.maxPaletteSize,
        items: { ...closed, properties: { index: paletteIndex, color: color }, required: ['index', 'color'] },
      },
    },
    required: ['colors'],
  },
  /** `POST /palette/colors`: append colours at the end of the palette. */
  AddColorsRequest: {
    ...closed,
    properties: { colors: { type: 'array', minItems: 1, maxItems: LIMITS.maxPaletteSize - LIMITS.minPaletteSize, items: color } },
    required: ['colors'],
  },
  /**
   * `POST /palette/remove`: every removed index names the kept index (current numbering) its
   * pixels become; the remaining colours close up, keeping their order.
   */
  RemoveColorsRequest: {
    ...closed,
    properties: {
      remove: {
        type: 'array',
        minItems: 1,
        maxItems: LIMITS.maxPaletteSize - LIMITS.minPaletteSize,
        items: {
          ...closed,
          properties: {
            index: { ...integer(1, LIMITS.maxPaletteSize - 1), description: 'A colour to remove (not 0, the background).' },
            mapTo: { ...integer(0, LIMITS.maxPaletteSize - 1), description: 'The kept colour its pixels become.' },
          },
          required: ['index', 'mapTo'],
        },
      },
    },
    required: ['remove'],
  },
  /** `PUT /size`. Shrinking erases every pixel outside the new bounds. */
  ResizeRequest: { ...closed, properties: { width: side, height: side }, required: ['width', 'height'] },
  /** `PUT /cooldown`. */
  CooldownRequest: { ...closed, properties: { cooldownMs: integer(0, LIMITS.maxCooldownMs) }, required: ['cooldownMs'] },
  /** `PUT /paused`. */
  PausedRequest: { ...closed, properties: { paused: { type: 'boolean' } }, required: ['paused'] },
  /** `PUT /challenge`: who must solve a proof-of-work challenge, and where it is checked. */
  ChallengeRequest: CHALLENGE_SETTINGS_SCHEMA,
  /** `PUT /datasets-public`: whether anyone may download the placement datasets. */
  DatasetsPublicRequest: { ...closed, properties: { public: { type: 'boolean' } }, required: ['public'] },
  /** `PUT /history-viewer`. */
  HistoryViewerRequest: { ...closed, properties: { mode: { type: 'string', enum: Object.values(HistoryViewerMode) } }, required: ['mode'] },
  /** `PUT /bans/{userId}`. */
  BanRequest: { ...closed, properties: { reason: banReason, durationMs: banDuration }, required: [] },
  /**
   * `PUT /address-bans`: an IPv4 address means itself (`/32`); a bare IPv6 address its whole
   * prefix (a /64 by default). Prefix lengths are a fixed set, so a placement checks every
   * covering ban in one lookup.
   */
  AddressBanRequest: {
    ...closed,
    properties: {
      address: ADDRESS_SCHEMA,
      reason: banReason,
      durationMs: banDuration,
    },
    required: ['address'],
  },
  /** `POST /rollback/erase`: set every pixel of the rectangle to the background. */
  EraseRequest: { ...closed, properties: rectProperties, required: ['x', 'y', 'width', 'height'] },
  /** `POST /rollback/restore`: set every pixel of the rectangle to its colour in a snapshot. */
  RestoreRegionRequest: { ...closed, properties: { ...rectProperties, snapshot: snapshotKey }, required: ['x', 'y', 'width', 'height', 'snapshot'] },
  /** `POST /snapshots/restore`. */
  RestoreSnapshotRequest: { ...closed, properties: { key: snapshotKey }, required: ['key'] },
  /** `PUT /templates/{templateId}`. */
  PinTemplateRequest: { ...closed, properties: TEMPLATE_PROPERTIES, required: ['name', 'url', 'x', 'y', 'scale'] },
  /** `POST /revert/preview`: what reverting a user would do. */
  RevertPreviewRequest: { ...closed, properties: { userId, since }, required: ['userId', 'since'] },
  /** `POST /revert`: put back every pixel the user placed since `since`. */
  RevertRequest: { ...closed, properties: { userId, since, reason: banReason }, required: ['userId', 'since'] },
  /** `PUT /owner-lookup`: what players see of who placed a pixel. */
  OwnerLookupRequest: { ...closed, properties: { ownerLookup: { type: 'string', enum: Object.values(OwnerLookup) } }, required: ['ownerLookup'] },
  /** `PUT /rules`. */
  RulesRequest: {
    ...closed,
    properties: { text: { type: 'string', maxLength: RULES_LIMITS.maxLength, pattern: '^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f]*$' } },
    required: ['text'],
  },
} as const satisfies Record<string, JSONSchema>;

export type AdminRequestName = keyof typeof ADMIN_REQUEST_SCHEMAS;

/** Read-only all the way down: a handler never edits the request it was given. */
type DeepReadonly<T> = T extends readonly (infer Item)[]
  ? readonly DeepReadonly<Item>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** The body a request schema admits, as a type. */
export type AdminRequest<Name extends AdminRequestName> = DeepReadonly<FromSchema<(typeof ADMIN_REQUEST_SCHEMAS)[Name]>>;

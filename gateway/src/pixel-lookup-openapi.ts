import { LIMITS } from '@tessera/protocol';

/** The players' public API document (served at `GET /api/canvas/openapi.json`): the pixel lookup. */
const error = {
  type: 'object',
  properties: {
    error: { type: 'string', enum: ['INVALID_PAYLOAD', 'OUT_OF_BOUNDS', 'LOOKUP_DISABLED', 'RATE_LIMITED', 'CANVAS_UNAVAILABLE'] },
    message: { type: 'string' },
  },
  required: ['error'],
  additionalProperties: false,
} as const;
const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });
const coordinate = (name: string) => ({
  name,
  in: 'path',
  required: true,
  schema: { type: 'integer', minimum: 0, maximum: LIMITS.maxCanvasSide - 1 },
});

export const PIXEL_LOOKUP_OPENAPI = {
  openapi: '3.1.0',
  jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
  info: {
    title: 'Tessera public canvas API: pixel lookup',
    version: '1.0.0',
    description:
      'Who placed a pixel and when. The canvas setting `ownerLookup` decides what is shown: display names of signed-in players (guests by a stable pseudonym), pseudonyms for everyone, or nothing (403 LOOKUP_DISABLED). Rate limited per client address (429 with Retry-After); answers are cacheable for a moment and carry an ETag.',
  },
  servers: [{ url: '/api/canvas' }],
  paths: {
    '/pixels/{x}/{y}': {
      get: {
        operationId: 'lookupPixel',
        summary: 'Who placed this pixel',
        parameters: [coordinate('x'), coordinate('y')],
        responses: {
          '200': {
            description: 'The pixel and its owner.',
            headers: { ETag: { schema: { type: 'string' } } },
            content: { 'application/json': { schema: { $ref: '#/components/schemas/PixelInfo' } } },
          },
          '304': { description: 'Unchanged since the ETag sent in If-None-Match.' },
          '400': errorResponse('x or y is not a non-negative integer (INVALID_PAYLOAD), or lies outside the canvas (OUT_OF_BOUNDS).'),
          '403': errorResponse('This canvas does not show who placed pixels (LOOKUP_DISABLED).'),
          '429': {
            ...errorResponse('Too many lookups from this address.'),
            headers: { 'Retry-After': { description: 'Seconds until the next lookup is allowed.', schema: { type: 'integer', minimum: 1 } } },
          },
          '503': errorResponse('The canvas does not exist or its store is unreachable (CANVAS_UNAVAILABLE).'),
        },
      },
    },
  },
  components: {
    schemas: {
      Error: error,
      PixelInfo: {
        type: 'object',
        properties: {
          x: { type: 'integer', minimum: 0 },
          y: { type: 'integer', minimum: 0 },
          color: { type: 'integer', minimum: 0, maximum: 255, description: 'The palette index.' },
          placedAt: { type: ['integer', 'null'], minimum: 0, description: 'Epoch ms (to the second) the colour was placed; null when nobody is on record.' },
          owner: {
            oneOf: [
              { type: 'null' },
              {
                type: 'object',
                properties: {
                  kind: { type: 'string', enum: ['user', 'guest', 'admin'], description: '`admin`: an admin rollback or revert.' },
                  name: { type: 'string', description: 'A display name, or a pseudonym (`anon-…`), or `admin`.' },
                },
                required: ['kind', 'name'],
                additionalProperties: false,
              },
            ],
          },
        },
        required: ['x', 'y', 'color', 'placedAt', 'owner'],
        additionalProperties: false,
      },
    },
  },
} as const;

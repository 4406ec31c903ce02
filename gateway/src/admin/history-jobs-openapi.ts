/**
 * The history-jobs part of the admin OpenAPI document (openapi.ts spreads these in): the request
 * schemas the router validates with, and the answers. Limits are the snapshotter's own.
 */
import { LIMITS } from '@tessera/protocol';
import { HISTORY_JOB_LIMITS } from '@tessera/snapshotter/history-limits';

type Json = string | number | boolean | null | readonly Json[] | { readonly [key: string]: Json };

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json) => ({ content: { 'application/json': { schema } } });
const error = (description: string) => ({ description, ...json(ref('Error')) });
const common = {
  '401': { $ref: '#/components/responses/Unauthorized' },
  '403': { $ref: '#/components/responses/Forbidden' },
  '429': { $ref: '#/components/responses/RateLimited' },
  '503': { $ref: '#/components/responses/Unavailable' },
};
const epochMs = { type: 'integer', minimum: 0, maximum: 8_640_000_000_000_000, description: 'Epoch milliseconds.' };
const region = {
  type: 'object',
  description: 'A rectangle inside the canvas as it is now (default: the whole canvas).',
  properties: {
    x: { type: 'integer', minimum: 0, maximum: LIMITS.maxCanvasSide - 1 },
    y: { type: 'integer', minimum: 0, maximum: LIMITS.maxCanvasSide - 1 },
    width: { type: 'integer', minimum: 1, maximum: LIMITS.maxCanvasSide },
    height: { type: 'integer', minimum: 1, maximum: LIMITS.maxCanvasSide },
  },
  required: ['x', 'y', 'width', 'height'],
  additionalProperties: false,
};
const idParameter = { name: 'id', in: 'path', required: true, description: 'A history job id.', schema: { type: 'string', pattern: '^[0-9]{1,20}$' } };
const refusals = {
  '400': error(
    'The request is malformed (INVALID_PAYLOAD) or out of bounds: INVALID_RANGE (to not after from), RANGE_TOO_LONG, REGION_OUT_OF_BOUNDS, INVALID_TIMELAPSE (fps, duration, scale), TOO_MANY_FRAMES, FRAME_TOO_LARGE.',
  ),
};

export const HISTORY_JOB_PATHS = {
  '/history-jobs': {
    get: {
      operationId: 'listHistoryJobs',
      tags: ['history'],
      summary: 'List history jobs',
      description: 'Timelapses, heatmaps, virgin maps and datasets, newest first, with their progress and, when done, what they made.',
      parameters: [
        { name: 'limit', in: 'query', required: false, description: 'At most this many (default 50).', schema: { type: 'integer', minimum: 1, maximum: 200 } },
      ],
      responses: { '200': { description: 'The jobs.', ...json(ref('HistoryJobList')) }, ...common, '400': { $ref: '#/components/responses/InvalidPayload' } },
    },
    post: {
      operationId: 'startHistoryJob',
      tags: ['history'],
      summary: 'Start a history job',
      description:
        'Queues a timelapse (MP4, H.264), a heatmap or virgin map (PNG) or a dataset (Parquet or CSV) of a time range, rendered by the snapshotter from the exact placement history. ' +
        `At most ${HISTORY_JOB_LIMITS.maxQueuedJobs} jobs wait or run at once (429 HISTORY_JOBS_BUSY beyond).`,
      requestBody: { required: true, ...json(ref('HistoryJobRequest')) },
      responses: {
        '200': { description: 'The job, queued.', ...json(ref('HistoryJobStarted')) },
        ...common,
        ...refusals,
        '429': error('Too many requests with this credential (RATE_LIMITED), or too many history jobs waiting or running (HISTORY_JOBS_BUSY).'),
      },
    },
  },
  '/history-jobs/{id}': {
    get: {
      operationId: 'getHistoryJob',
      tags: ['history'],
      summary: 'One history job',
      description: 'Its state and progress.',
      parameters: [idParameter],
      responses: {
        '200': { description: 'The job.', ...json(ref('HistoryJobStarted')) },
        ...common,
        '400': { $ref: '#/components/responses/InvalidPayload' },
        '404': error('No such job.'),
      },
    },
  },
  '/history-jobs/{id}/link': {
    get: {
      operationId: 'historyJobLink',
      tags: ['history'],
      summary: 'A download link',
      description: 'A presigned S3 link to what the finished job made, valid for HISTORY_LINK_TTL_SECONDS; ask again for a fresh one.',
      parameters: [idParameter],
      responses: {
        '200': { description: 'The link.', ...json(ref('HistoryJobLink')) },
        ...common,
        '400': { $ref: '#/components/responses/InvalidPayload' },
        '404': error('No such job.'),
        '409': error('The job has not finished (CONFLICT).'),
      },
    },
  },
  '/datasets-public': {
    put: {
      operationId: 'setDatasetsPublic',
      tags: ['history'],
      summary: 'Let anyone download datasets',
      description: 'Switches the public download of finished datasets (`/api/datasets`) on or off for this canvas (a field of its config; default off).',
      requestBody: { required: true, ...json(ref('DatasetsPublicRequest')) },
      responses: {
        '200': { description: 'The config now in force.', ...json(ref('ConfigChange')) },
        ...common,
        '400': { $ref: '#/components/responses/InvalidPayload' },
      },
    },
  },
} as const;

const request = {
  type: 'object',
  description: 'kind timelapse needs durationSeconds, fps and scale; region applies to timelapse, heatmap and virgin-map; format to dataset.',
  properties: {
    kind: { type: 'string', enum: ['timelapse', 'heatmap', 'virgin-map', 'dataset'] },
    from: epochMs,
    to: epochMs,
    region,
    durationSeconds: { type: 'number', exclusiveMinimum: 0, maximum: HISTORY_JOB_LIMITS.maxDurationSeconds },
    fps: { type: 'integer', minimum: 1, maximum: HISTORY_JOB_LIMITS.maxFps },
    scale: { type: 'integer', minimum: 1, maximum: HISTORY_JOB_LIMITS.maxScale },
    quality: {
      type: 'string',
      enum: ['standard', 'lossless'],
      description: 'standard: H.264 yuv420p; lossless: exact RGB (libx264rgb, qp 0; fewer players play it).',
    },
    format: { type: 'string', enum: ['parquet', 'csv'] },
  },
  required: ['kind', 'from', 'to'],
  additionalProperties: false,
};

const job = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    state: { type: 'string', enum: ['waiting', 'active', 'completed', 'failed'] },
    request: { type: 'object' },
    requestedBy: { type: 'string' },
    createdAt: { type: 'integer', minimum: 0 },
    finishedAt: { type: 'integer', minimum: 0 },
    progress: {
      type: 'object',
      properties: { fraction: { type: 'number', minimum: 0, maximum: 1 }, stage: { type: 'string' } },
      required: ['fraction', 'stage'],
    },
    result: {
      type: 'object',
      properties: {
        key: { type: 'string' },
        bytes: { type: 'integer', minimum: 0 },
        fileName: { type: 'string' },
        contentType: { type: 'string' },
        durationMs: { type: 'integer', minimum: 0 },
        gap: { type: 'boolean', description: 'Part of the history of the range was lost (trimmed from the stream before it was archived).' },
      },
      required: ['key', 'bytes', 'fileName', 'contentType'],
    },
    error: { type: 'string' },
  },
  required: ['id', 'state', 'request', 'requestedBy', 'createdAt', 'progress'],
};

export const HISTORY_JOB_SCHEMAS = {
  HistoryJobRequest: request,
  HistoryJob: job,
  HistoryJobStarted: { type: 'object', properties: { job: ref('HistoryJob') }, required: ['job'], additionalProperties: false },
  HistoryJobList: { type: 'object', properties: { jobs: { type: 'array', items: ref('HistoryJob') } }, required: ['jobs'], additionalProperties: false },
  HistoryJobLink: {
    type: 'object',
    properties: { url: { type: 'string' }, expiresAt: { type: 'integer', minimum: 0 }, fileName: { type: 'string' } },
    required: ['url', 'expiresAt', 'fileName'],
    additionalProperties: false,
  },
} as const;

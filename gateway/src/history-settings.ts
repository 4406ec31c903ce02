import type { EnvReader } from '@tessera/runtime';

export const HISTORY_DEFAULTS = {
  /** The snapshotter's S3_PREFIX default: the archive lives where the snapshotter writes it. */
  prefix: 'tessera/',
  region: 'us-east-1',
  forcePathStyle: false,
  /** Socket timeout of one S3 request: a player waits at most this long for a keyframe. */
  requestTimeoutMs: 5_000,
  /** How long one listing of the archive is reused (and the index's max-age): a snapshot lands every 10 s. */
  indexCacheMs: 5_000,
  /** Memory for decoded keyframes and segments (a 2000×2000 keyframe is 4 MB before compression). */
  cacheBytes: 64 * 1024 * 1024,
} as const;

/**
 * Where the gateway reads the snapshot archive for the players' history viewer. Separate,
 * read-only credentials (HISTORY_S3_ACCESS_KEY_ID / HISTORY_S3_SECRET_ACCESS_KEY): the gateway
 * faces the internet and must never hold the snapshotter's write access. Without them the AWS
 * default provider chain applies (e.g. an IRSA role allowed only s3:GetObject and s3:ListBucket).
 */
export interface HistorySettings {
  readonly bucket: string;
  readonly prefix: string;
  readonly region: string;
  /** Unset: AWS. */
  readonly endpoint: string | undefined;
  readonly forcePathStyle: boolean;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string } | undefined;
  readonly requestTimeoutMs: number;
  readonly indexCacheMs: number;
  readonly cacheBytes: number;
}

const BUCKET = /^[A-Za-z0-9._-]{3,255}$/;

/** HISTORY_S3_*: undefined when HISTORY_S3_BUCKET is unset (the history endpoints are not served). */
export function readHistorySettings(reader: EnvReader): HistorySettings | undefined {
  const bucket = reader.optionalString('HISTORY_S3_BUCKET');
  const prefix = reader.string('HISTORY_S3_PREFIX', HISTORY_DEFAULTS.prefix);
  const endpoint = reader.optionalString('HISTORY_S3_ENDPOINT');
  const accessKeyId = reader.optionalString('HISTORY_S3_ACCESS_KEY_ID');
  const secretAccessKey = reader.optionalString('HISTORY_S3_SECRET_ACCESS_KEY');
  const settings = {
    region: reader.string('HISTORY_S3_REGION', HISTORY_DEFAULTS.region),
    forcePathStyle: reader.boolean('HISTORY_S3_FORCE_PATH_STYLE', HISTORY_DEFAULTS.forcePathStyle),
    requestTimeoutMs: reader.integer('HISTORY_S3_REQUEST_TIMEOUT_MS', HISTORY_DEFAULTS.requestTimeoutMs, { min: 100, max: 120_000 }),
    indexCacheMs: reader.integer('HISTORY_INDEX_CACHE_MS', HISTORY_DEFAULTS.indexCacheMs, { min: 0, max: 600_000 }),
    cacheBytes: reader.integer('HISTORY_CACHE_BYTES', HISTORY_DEFAULTS.cacheBytes, { min: 0, max: 8 * 1024 * 1024 * 1024 }),
  };
  if (bucket !== undefined && !BUCKET.test(bucket)) reader.problem('HISTORY_S3_BUCKET must be a bucket name (3 to 255 of A-Z a-z 0-9 . _ -)');
  if (prefix.startsWith('/') || prefix.includes('..')) reader.problem(`HISTORY_S3_PREFIX must not start with / or hold .., got ${JSON.stringify(prefix)}`);
  if (endpoint !== undefined && !/^https?:\/\/[^\s/]+/.test(endpoint))
    reader.problem(`HISTORY_S3_ENDPOINT must be an http(s) URL, got ${JSON.stringify(endpoint)}`);
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    reader.problem('HISTORY_S3_ACCESS_KEY_ID and HISTORY_S3_SECRET_ACCESS_KEY must be set together');
  }
  if (bucket === undefined) return undefined;
  return Object.freeze({
    bucket,
    prefix,
    endpoint,
    credentials: accessKeyId && secretAccessKey ? Object.freeze({ accessKeyId, secretAccessKey }) : undefined,
    ...settings,
  });
}

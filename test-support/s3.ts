import { S3RVER_CREDENTIALS, startS3, type S3Server } from '../scripts/lib/s3-server.mjs';

export { S3RVER_CREDENTIALS, startS3, type S3Server };

export type StartS3Options = Parameters<typeof startS3>[0];

/** What {@link useS3} returns; read it inside tests and hooks, after `before` ran. */
export interface S3Handle {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: { accessKeyId: string; secretAccessKey: string };
  readonly server: S3Server;
  /**
   * Options for `new S3Client(…)` that work against this server: path-style addressing and no
   * checksums beyond those S3 requires (s3rver does not know the newer ones).
   */
  readonly clientConfig: {
    endpoint: string;
    region: string;
    forcePathStyle: true;
    credentials: { accessKeyId: string; secretAccessKey: string };
    requestChecksumCalculation: 'WHEN_REQUIRED';
    responseChecksumValidation: 'WHEN_REQUIRED';
  };
  /** Environment variables that point a snapshotter at this server. */
  readonly env: Record<string, string>;
}

/**
 * Mocha hooks for one private S3-compatible server (s3rver in a child process) per describe block:
 * `before` starts it with `buckets` created, `after` stops it.
 */
export function useS3(options: Partial<StartS3Options> = {}): S3Handle {
  let server: S3Server | undefined;
  const buckets = options.buckets ?? ['tessera'];
  const current = (): S3Server => {
    if (!server) throw new Error('the S3 server is not running: use the handle inside tests or hooks, after useS3() set it up');
    return server;
  };
  before(async function () {
    this.timeout((options.timeoutMs ?? 15_000) + 5_000);
    server = await startS3({ ...options, buckets });
  });
  after(async function () {
    this.timeout(15_000);
    await server?.stop();
    server = undefined;
  });
  return {
    get endpoint() {
      return current().endpoint;
    },
    get region() {
      return current().region;
    },
    get credentials() {
      const { accessKeyId, secretAccessKey } = current();
      return { accessKeyId, secretAccessKey };
    },
    get server() {
      return current();
    },
    get clientConfig() {
      const s = current();
      return {
        endpoint: s.endpoint,
        region: s.region,
        forcePathStyle: true as const,
        credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey },
        requestChecksumCalculation: 'WHEN_REQUIRED' as const,
        responseChecksumValidation: 'WHEN_REQUIRED' as const,
      };
    },
    get env() {
      const s = current();
      return {
        S3_ENDPOINT: s.endpoint,
        S3_REGION: s.region,
        S3_FORCE_PATH_STYLE: 'true',
        S3_BUCKET: buckets[0] ?? 'tessera',
        AWS_ACCESS_KEY_ID: s.accessKeyId,
        AWS_SECRET_ACCESS_KEY: s.secretAccessKey,
      };
    },
  };
}

/** The same as {@link useS3}. */
export const withS3 = useS3;

import { GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand, S3Client, S3ServiceException, type S3ClientConfig } from '@aws-sdk/client-s3';

/** The few S3 operations the snapshotter needs, relative to one folder of one bucket. */
export interface ObjectStore {
  put(key: string, body: Uint8Array, contentType: string): Promise<void>;
  /** Undefined when the object does not exist. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Every object under `dir`, in key order (paginated through ListObjectsV2), optionally only keys after `startAfter`. */
  list(dir: string, startAfter?: string): Promise<{ key: string; size: number }[]>;
}

export interface S3Settings {
  readonly bucket: string;
  readonly region: string;
  /** Unset: AWS. */
  readonly endpoint: string | undefined;
  readonly forcePathStyle: boolean;
  /** Socket timeout of one request; an S3 that stops answering must fail the job, not hang it. */
  readonly requestTimeoutMs: number;
}

/**
 * An S3 client for AWS or any S3-compatible server. Credentials come from the default provider
 * chain (environment, shared files, web identity / IRSA, instance profile). Checksums only where
 * S3 requires them: MinIO, R2 and local servers do not all know the newer algorithms.
 */
export function createS3Client(settings: S3Settings, overrides: Partial<S3ClientConfig> = {}): S3Client {
  return new S3Client({
    region: settings.region,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    forcePathStyle: settings.forcePathStyle,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: { connectionTimeout: Math.min(5_000, settings.requestTimeoutMs), requestTimeout: settings.requestTimeoutMs },
    ...overrides,
  });
}

export function createObjectStore(s3: S3Client, bucket: string, folder: string): ObjectStore {
  return {
    async put(key, body, contentType) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: folder + key, Body: body, ContentType: contentType, ContentLength: body.length }));
    },
    async get(key) {
      try {
        const reply = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: folder + key }));
        if (!reply.Body) return new Uint8Array(0);
        return await reply.Body.transformToByteArray();
      } catch (error) {
        if (error instanceof NoSuchKey || (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404)) return undefined;
        throw error;
      }
    },
    async list(dir, startAfter) {
      const out: { key: string; size: number }[] = [];
      let token: string | undefined;
      do {
        const reply = await s3.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: folder + dir,
            ContinuationToken: token,
            ...(startAfter && !token ? { StartAfter: folder + startAfter } : {}),
          }),
        );
        for (const item of reply.Contents ?? []) {
          if (item.Key) out.push({ key: item.Key.slice(folder.length), size: item.Size ?? 0 });
        }
        token = reply.IsTruncated ? reply.NextContinuationToken : undefined;
      } while (token);
      return out;
    },
  };
}

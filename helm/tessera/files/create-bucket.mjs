// Init container of the snapshotter when it writes to the bundled object store: waits for the S3
// API to answer, then creates the bucket. The snapshotter never creates buckets itself (a real S3
// bucket is the SRE's, with its own policy), and SeaweedFS starts with none.
// Runs in the Tessera image from /app/snapshotter, whose AWS SDK it uses; reads the same variables
// as the snapshotter (S3_ENDPOINT, S3_BUCKET, S3_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY).
import { CreateBucketCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';

const bucket = process.env.S3_BUCKET;
const deadline = Date.now() + Number(process.env.CREATE_BUCKET_TIMEOUT_MS ?? 300_000);
if (!bucket || !process.env.S3_ENDPOINT) {
  console.error('create-bucket: S3_BUCKET and S3_ENDPOINT are required');
  process.exit(2);
}
// Checksums only where S3 requires them, as the snapshotter does: S3-compatible stores lag AWS's newer ones.
const s3 = new S3Client({
  endpoint: process.env.S3_ENDPOINT,
  region: process.env.S3_REGION ?? 'us-east-1',
  forcePathStyle: true,
  maxAttempts: 1,
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
});

for (let attempt = 1; ; attempt++) {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    console.log(`create-bucket: bucket ${bucket} exists`);
    break;
  } catch (error) {
    const status = error?.$metadata?.httpStatusCode;
    try {
      // 404: the store answers and the bucket is missing. Anything else (the store still starting,
      // connection refused) is retried the same way: CreateBucket fails too until the store is up.
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      console.log(`create-bucket: created bucket ${bucket}`);
      break;
    } catch (createError) {
      const code = createError?.name;
      if (code === 'BucketAlreadyOwnedByYou' || code === 'BucketAlreadyExists') {
        console.log(`create-bucket: bucket ${bucket} exists`);
        break;
      }
      if (Date.now() > deadline) {
        console.error(`create-bucket: gave up after ${attempt} attempts (head: ${status ?? error?.name}, create: ${code})`);
        process.exit(1);
      }
      if (attempt === 1 || attempt % 10 === 0) console.log(`create-bucket: waiting for ${process.env.S3_ENDPOINT} (${code ?? createError})`);
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }
}

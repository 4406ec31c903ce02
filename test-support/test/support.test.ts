import assert from 'node:assert/strict';
import net from 'node:net';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getFreePort, isPortFree } from '../ports.js';
import { ping, startRedis, useRedis } from '../redis.js';
import { useS3 } from '../s3.js';
import { sleep, waitFor } from '../wait.js';

function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('test support', () => {
  describe('free ports', () => {
    it('hands out a port that can be bound', async () => {
      const port = await getFreePort();
      assert.ok(port > 0 && port < 65536);
      assert.equal(await isPortFree(port, '127.0.0.1'), true);
    });

    it('reports a bound port as busy', async () => {
      const server = net.createServer().listen(0, '127.0.0.1');
      await new Promise((r) => server.once('listening', r));
      const { port } = server.address() as net.AddressInfo;
      try {
        assert.equal(await isPortFree(port), false);
      } finally {
        server.close();
      }
    });
  });

  describe('startRedis', () => {
    it('starts a private server off 6379 that stop() really stops', async () => {
      const redis = await startRedis();
      try {
        assert.notEqual(redis.port, 6379);
        assert.equal(redis.url, `redis://127.0.0.1:${redis.port}`);
        assert.equal(await ping(redis.port), '+PONG');
      } finally {
        await redis.stop();
      }
      assert.equal(await connects(redis.port), false);
      assert.ok(redis.process.exitCode !== null || redis.process.signalCode !== null);
    });

    it('quotes redis-server output when it cannot start', async () => {
      await assert.rejects(startRedis({ args: ['--no-such-directive', 'x'] }), /no-such-directive/);
    });
  });

  describe('useRedis', () => {
    const redis = useRedis();

    it('gives each describe block a running server', async () => {
      assert.match(redis.url, /^redis:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(await ping(redis.port), '+PONG');
    });
  });

  describe('useS3', () => {
    const s3 = useS3({ buckets: ['tessera'] });

    it('round-trips an object through @aws-sdk/client-s3', async () => {
      const client = new S3Client(s3.clientConfig);
      try {
        const body = Buffer.from([0, 1, 2, 250, 255]);
        await client.send(new PutObjectCommand({ Bucket: 'tessera', Key: 'tests/a.bin', Body: body }));
        const got = await client.send(new GetObjectCommand({ Bucket: 'tessera', Key: 'tests/a.bin' }));
        assert.deepEqual(Buffer.from(await got.Body!.transformToByteArray()), body);
        const listed = await client.send(new ListObjectsV2Command({ Bucket: 'tessera', Prefix: 'tests/' }));
        assert.deepEqual(
          listed.Contents?.map((o) => [o.Key, o.Size]),
          [['tests/a.bin', body.length]],
        );
      } finally {
        client.destroy();
      }
    });

    it('runs the server in its own process', () => {
      assert.notEqual(s3.server.process.pid, process.pid);
      assert.equal(s3.env.S3_ENDPOINT, s3.endpoint);
    });
  });

  describe('waitFor', () => {
    it('resolves with the first truthy value of an async predicate', async () => {
      let calls = 0;
      const value = await waitFor(() => Promise.resolve(++calls >= 3 ? `after ${calls}` : undefined), { intervalMs: 1 });
      assert.equal(value, 'after 3');
    });

    it('times out with its message and the last error', async () => {
      const started = Date.now();
      await assert.rejects(
        waitFor(
          () => {
            throw new Error('not yet');
          },
          { timeoutMs: 100, intervalMs: 10, message: 'the writer to lead' },
        ),
        /timed out after 100 ms waiting for the writer to lead \(last error: not yet\)/,
      );
      assert.ok(Date.now() - started >= 100);
    });

    it('sleeps', async () => {
      const started = Date.now();
      await sleep(20);
      assert.ok(Date.now() - started >= 15);
    });
  });
});

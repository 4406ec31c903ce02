// Takeover after a leader dies without releasing its lock (SIGKILL, OOM kill, node lost): the
// standby must lead as soon as the lock expires, and no two writers may ever commit the same
// sequence number. Everything here waits on states, never on a measured duration.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createAdapter } from '@socket.io/redis-adapter';
import { canvasKeys, canvasRoom, decodeDelta, decodeWireFrame, type Delta } from '@tessera/protocol';
import { readWriterState, writerLeaseHolder } from '@tessera/store';
import { inflateDeltaFrame } from '../src/delta-compression.js';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';
import { io as connect, type Socket } from 'socket.io-client';
import { spawnService, stopAll, type Service } from '../../scripts/lib/processes.mjs';
import { getFreePort, requireBuilt, useRedis, waitFor } from '../../test-support/index.js';
import { chainProblems, createTestCanvas, freshCanvasId, placeRandom, startWriter, type TestWriter } from './support/harness.js';

const WRITER_MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

/** A Socket.IO server on the canvas's adapter key that records every delta the writers broadcast. */
async function startListener(redisUrl: string, canvasId: string) {
  const pub = new Redis(redisUrl);
  const sub = pub.duplicate();
  const http = createServer();
  const io = new Server(http, { adapter: createAdapter(pub, sub, { key: canvasKeys(canvasId).socketIo }), transports: ['websocket'] });
  io.on('connection', (socket) => void socket.join(canvasRoom(canvasId)));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const socket: Socket = connect(`http://127.0.0.1:${(http.address() as AddressInfo).port}`, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
  });
  const deltas: Delta[] = [];
  const problems: string[] = [];
  socket.on('delta', (frame: unknown) => {
    const wire = decodeWireFrame(frame);
    const bytes = wire.ok ? inflateDeltaFrame(wire.value) : wire;
    const delta = bytes.ok ? decodeDelta(bytes.value) : undefined;
    if (delta?.ok) deltas.push(delta.value);
    else problems.push('an undecodable delta');
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return {
    deltas,
    problems,
    /** Resolves once a broadcast to the room reaches the socket (the adapter subscribes asynchronously). */
    async ready(): Promise<void> {
      let probed = false;
      socket.on('probe' as never, () => {
        probed = true;
      });
      await waitFor(
        () => {
          io.to(canvasRoom(canvasId)).emit('probe' as never);
          return probed;
        },
        { message: 'a broadcast to reach the listener' },
      );
    },
    async close(): Promise<void> {
      socket.close();
      await new Promise<void>((resolve) => {
        void io.close(() => resolve());
      });
      pub.disconnect();
      sub.disconnect();
    },
  };
}

describe('writer takeover', function () {
  this.timeout(60_000);
  const server = useRedis();
  let redis: Redis;
  const cleanups: (() => Promise<void> | void)[] = [];

  before(() => {
    redis = new Redis(server.url);
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  after(() => redis.disconnect());

  it("tries again the moment a dead leader's lock expires, not on its next tick", async () => {
    const canvasId = freshCanvasId();
    await createTestCanvas(redis, canvasId);
    // A leader died holding the lock: nobody will renew or release it.
    await redis.set(canvasKeys(canvasId).writerLock, 'dead-writer', 'PX', 800);
    // A tick of a minute: only the retry at the lock's expiry can make it lead within the wait.
    const standby: TestWriter = await startWriter(server.url, { canvasId, tickMs: 60_000, lockTtlMs: 1_000 });
    cleanups.push(() => standby.close());
    await waitFor(() => standby.writer.isLeader, { timeoutMs: 10_000, message: 'the standby to lead after the lock expired' });
    assert.equal(await writerLeaseHolder(redis, canvasId), standby.config.writerId);
  });

  it('replaces SIGKILLed leader processes again and again, and no two leaders ever commit', async function () {
    requireBuilt(this, [WRITER_MAIN]);
    const canvasId = freshCanvasId();
    const placer = await createTestCanvas(redis, canvasId);
    const listener = await startListener(server.url, canvasId);
    cleanups.push(() => listener.close());
    await listener.ready();

    const writers = new Map<string, Service>();
    cleanups.push(async () => {
      await stopAll([...writers.values()], 5_000);
    });
    let started = 0;
    const startProcess = async (): Promise<void> => {
      const id = `killable-${++started}`;
      const service = spawnService({
        name: id,
        command: process.execPath,
        args: [WRITER_MAIN],
        // The shipped defaults for the tick and the lock: this is the takeover players get.
        env: {
          PATH: process.env.PATH ?? '',
          REDIS_URL: server.url,
          CANVAS_ID: canvasId,
          WRITER_ID: id,
          HTTP_PORT: String(await getFreePort()),
          LOG_LEVEL: 'error',
        },
        stdout: process.stderr,
        stderr: process.stderr,
      });
      writers.set(id, service);
    };
    await Promise.all([startProcess(), startProcess()]);

    let placing = true;
    const placements = (async () => {
      while (placing) await placeRandom(placer, { count: 40, width: 600, height: 300, perBurst: 20, pauseMs: 50 });
    })();
    cleanups.push(async () => {
      placing = false;
      await placements;
    });

    const committedSeq = async (): Promise<number> => (await readWriterState(redis, canvasId)).state?.seq ?? 0;
    for (let round = 0; round < 3; round++) {
      const leaderId = await waitFor(() => writerLeaseHolder(redis, canvasId), { timeoutMs: 10_000, message: 'a leader' });
      // Leading means committing: wait for a delta of its own before killing it.
      const before = await committedSeq();
      await waitFor(async () => (await committedSeq()) > before, { timeoutMs: 10_000, message: `${leaderId} to commit a delta` });
      const leader = writers.get(leaderId);
      assert.ok(leader, `the lock names ${leaderId}, one of ours`);
      leader.child.kill('SIGKILL');
      await leader.exited;
      writers.delete(leaderId);
      const seqAtKill = await committedSeq();

      const successor = await waitFor(
        async () => {
          const holder = await writerLeaseHolder(redis, canvasId);
          return holder && holder !== leaderId ? holder : undefined;
        },
        { timeoutMs: 10_000, message: `a standby to take the lock from the killed ${leaderId}` },
      );
      assert.ok(writers.has(successor));
      await waitFor(async () => (await committedSeq()) > seqAtKill, { timeoutMs: 10_000, message: `${successor} to commit after the takeover` });
      await startProcess(); // a new standby, as a Deployment would restart the pod
    }

    placing = false;
    await placements;
    const newest = (await redis.xrevrange(canvasKeys(canvasId).events, '+', '-', 'COUNT', 1))[0]![0];
    await waitFor(
      () => {
        const last = listener.deltas.at(-1);
        return last && `${last.end.ms}-${last.end.seq}` === newest;
      },
      { timeoutMs: 10_000, message: `a delta ending at the newest event ${newest}` },
    );
    // Two leaders committing would show as a gap, a fork (a start that is not the previous end) or
    // a second epoch; a takeover may only re-send the last delta unchanged.
    assert.deepEqual(listener.problems, []);
    assert.deepEqual(chainProblems(listener.deltas), []);
    assert.equal(new Set(listener.deltas.map((delta) => delta.epoch)).size, 1, 'one epoch throughout');
    const bySeq = new Map<number, string>();
    for (const delta of listener.deltas) {
      const content = JSON.stringify(delta);
      assert.equal(bySeq.get(delta.seq) ?? content, content, `two different deltas numbered ${delta.seq}`);
      bySeq.set(delta.seq, content);
    }
    assert.equal(listener.deltas.at(-1)!.seq, await committedSeq());
  });
});

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdapter } from '@socket.io/redis-adapter';
import { Emitter } from '@socket.io/redis-emitter';
import {
  canvasKeys,
  canvasRoom,
  CanvasReplica,
  chunkChecksum,
  decodeCanvas,
  decodeSync,
  decodeWireFrame,
  encodeCanvas,
  type CanvasFrame,
  type Delta,
  type ReplicaAction,
  type Sync,
} from '@tessera/protocol';
import { createLogger, createRedisClient, waitForRedis, type Logger } from '@tessera/runtime';
import { createCanvasIfMissing, createPixelPlacer, lastEventPosition, readCanvas, readChunk, type PixelPlacer, type RedisConnection } from '@tessera/store';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { Server } from 'socket.io';
import { io as connect, type Socket } from 'socket.io-client';
import { createWriter, createWriterMetrics, WRITER_DEFAULTS, type Writer, type WriterLoopConfig, type WriterMetrics } from '../../src/index.js';
import { useRedis, waitFor, type RedisHandle } from '../../../test-support/index.js';
import { createCanvasSync, type CanvasSync } from '../../../web/src/canvas-sync.js';

export const testLog: Logger = createLogger('writer-test', (process.env.TEST_LOG_LEVEL as 'silent' | undefined) ?? 'silent');

let canvasCounter = 0;
/** A canvas id of its own for each test, so tests sharing one redis-server never meet. */
export function freshCanvasId(): string {
  return `w${process.pid}-${++canvasCounter}`;
}

export const PALETTE = ['#ffffff', '#000000', '#ff0000', '#00ff00', '#0000ff', '#ffff00', '#00ffff', '#ff00ff'];

/** Creates a canvas without cooldown and returns a placer for it. */
export async function createTestCanvas(redis: Redis, canvasId: string, width = 600, height = 300): Promise<PixelPlacer> {
  await createCanvasIfMissing(redis, canvasId, { width, height, palette: PALETTE, cooldownMs: 0 });
  return createPixelPlacer(redis, canvasId, 100_000);
}

/** Places `count` random pixels, `perBurst` at a time with a pause between bursts, so they span several ticks. */
export async function placeRandom(
  placer: PixelPlacer,
  {
    count,
    width,
    height,
    perBurst = 50,
    pauseMs = 20,
    area,
  }: { count: number; width: number; height: number; perBurst?: number; pauseMs?: number; area?: number },
): Promise<void> {
  // A small area makes the same pixels change many times (last write wins must hold).
  const w = Math.min(width, area ?? width);
  const h = Math.min(height, area ?? height);
  for (let placed = 0; placed < count; placed += perBurst) {
    const burst: Promise<unknown>[] = [];
    for (let i = 0; i < Math.min(perBurst, count - placed); i++) {
      const x = Math.floor(Math.random() * w);
      const y = Math.floor(Math.random() * h);
      const color = Math.floor(Math.random() * PALETTE.length);
      burst.push(
        placer.place({ x, y, color, userId: `u${i}`, ip: '127.0.0.1', applyIpCooldown: false }).then((outcome) => {
          if (!outcome.ok) throw new Error(`placement refused: ${outcome.error}`);
        }),
      );
    }
    await Promise.all(burst);
    if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
}

export interface TestWriter {
  readonly writer: Writer;
  readonly redis: RedisConnection;
  readonly emitterRedis: RedisConnection;
  readonly metrics: WriterMetrics;
  readonly registry: Registry;
  readonly config: WriterLoopConfig;
  /** Stops the writer (if running) and closes its connections. */
  close(): Promise<void>;
}

/** Builds a writer the way main.ts does, with a fast tick, and starts it. */
export async function startWriter(url: string, config: Partial<WriterLoopConfig> & { canvasId: string }): Promise<TestWriter> {
  const redisConfig = { url, sentinels: [], sentinelMaster: 'mymaster' };
  const redis = createRedisClient(redisConfig, testLog, { name: 'writer' });
  const emitterRedis = createRedisClient(redisConfig, testLog, { name: 'writer-emitter', autoPipelining: false });
  await Promise.all([waitForRedis(redis, 5_000), waitForRedis(emitterRedis, 5_000)]);
  const full: WriterLoopConfig = {
    writerId: `test-writer-${++canvasCounter}`,
    tickMs: 100,
    syncIntervalMs: 60_000,
    lockTtlMs: 2_000,
    wireFormat: WRITER_DEFAULTS.deltaWireFormat,
    maxEventsPerTick: WRITER_DEFAULTS.maxEventsPerTick,
    ...config,
  };
  const registry = new Registry();
  const metrics = createWriterMetrics(registry);
  const writer = createWriter({ redis, emitterRedis, config: full, log: testLog, metrics });
  writer.start();
  let closed = false;
  return {
    writer,
    redis,
    emitterRedis,
    metrics,
    registry,
    config: full,
    async close() {
      if (closed) return;
      closed = true;
      await writer.stop();
      redis.disconnect();
      emitterRedis.disconnect();
    },
  };
}

/** What {@link useWriterSuite} returns; read it inside tests and hooks, after `before` ran. */
export interface WriterSuite {
  readonly server: RedisHandle;
  /** The redis-server's client (see {@link RedisHandle.client}). */
  readonly redis: Redis;
  /** Runs `cleanup` after the current test; the latest first, so what was started last stops first. */
  defer(cleanup: () => Promise<void> | void): void;
  /** A relay for `canvasId`, closed after the test. */
  relay(canvasId: string): Promise<Relay>;
  /** A started writer (see {@link startWriter}), stopped after the test. */
  writer(config: Partial<WriterLoopConfig> & { canvasId: string }): Promise<TestWriter>;
  /** A player joined through `relay` (see {@link Player.join}), disconnected after the test. */
  join(relay: Relay, canvasId: string, options?: { load?: boolean }): Promise<Player>;
}

/**
 * Mocha hooks for writer tests against one private redis-server: after each test whatever it
 * started is stopped, newest first.
 */
export function useWriterSuite(): WriterSuite {
  const server = useRedis();
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  const defer = (cleanup: () => Promise<void> | void): void => void cleanups.push(cleanup);
  const suite: WriterSuite = {
    server,
    get redis() {
      return server.client;
    },
    defer,
    async relay(canvasId) {
      const relay = await startRelay(server.url, canvasId);
      defer(() => relay.close());
      return relay;
    },
    async writer(config) {
      const writer = await startWriter(server.url, config);
      defer(() => writer.close());
      return writer;
    },
    async join(relay, canvasId, options) {
      const player = await Player.join(relay, suite.redis, canvasId, options);
      defer(() => player.close());
      return player;
    },
  };
  return suite;
}

/** A Socket.IO server joined to the others through the Redis adapter, as a gateway is. */
export interface Relay {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * What a gateway is to a player, reduced to what the writer tests need: a Socket.IO server on the
 * Redis adapter whose sockets join the canvas room, and the canvas over HTTP (the same binary
 * frames the gateway serves), so players run the browser's own sync code against it.
 */
export async function startRelay(redisUrl: string, canvasId: string): Promise<Relay> {
  const pub = new Redis(redisUrl);
  const sub = pub.duplicate();
  const reader = pub.duplicate();
  const http = createServer((request, response) => {
    void serveCanvas(reader, canvasId, request.url ?? '', response);
  });
  const io = new Server(http, { adapter: createAdapter(pub, sub, { key: canvasKeys(canvasId).socketIo }), transports: ['websocket'] });
  io.on('connection', (socket) => {
    void socket.join(canvasRoom(canvasId));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      await new Promise<void>((resolve) => {
        void io.close(() => resolve());
      });
      pub.disconnect();
      sub.disconnect();
      reader.disconnect();
    },
  };
}

const CHUNK_PATH = /^\/api\/canvas\/data\/(\d{1,3})\/(\d{1,3})$/;

async function serveCanvas(redis: Redis, canvasId: string, url: string, response: import('node:http').ServerResponse): Promise<void> {
  const path = url.split('?')[0]!;
  const chunk = CHUNK_PATH.exec(path);
  try {
    const frame =
      path === '/api/canvas/data' ? await readCanvas(redis, canvasId) : chunk ? await readChunk(redis, canvasId, Number(chunk[1]), Number(chunk[2])) : null;
    if (frame === null) return void response.writeHead(404).end();
    if (!frame) return void response.writeHead(503).end();
    response.writeHead(200, { 'content-type': 'application/octet-stream', 'cache-control': 'no-store' }).end(Buffer.from(encodeCanvas(frame)));
  } catch {
    response.writeHead(503).end();
  }
}

/** What a player saw of one sync it could check (it had applied exactly the delta the sync follows). */
export interface CheckedSync {
  readonly sync: Sync;
  readonly mismatched: readonly { cx: number; cy: number }[];
}

/**
 * A player: a socket in the canvas room feeding the browser's own canvas sync (web/src/canvas-sync.ts),
 * which reads the canvas over HTTP from the relay when its replica asks, with records the tests read.
 */
export class Player {
  readonly sync: CanvasSync;
  readonly deltas: Delta[] = [];
  /** Raw frames as received, to check the wire format. */
  readonly frames: unknown[] = [];
  readonly syncs: Sync[] = [];
  readonly checkedSyncs: CheckedSync[] = [];
  readonly actions: ReplicaAction[] = [];
  readonly problems: string[] = [];
  private constructor(
    readonly socket: Socket,
    relay: Relay,
  ) {
    this.sync = createCanvasSync({
      baseUrl: relay.url,
      retryMs: 20,
      maxRetryMs: 200,
      onDelta: (delta) => this.deltas.push(delta),
      onRefetch: (action) => this.actions.push(action),
      log: (message) => {
        if (/failed|malformed/.test(message)) this.problems.push(message);
      },
    });
  }

  get replica(): CanvasReplica {
    return this.sync.replica;
  }

  /** Connects, waits until broadcasts reach the socket, then loads the canvas. */
  static async join(relay: Relay, redis: Redis, canvasId: string, options: { load?: boolean } = {}): Promise<Player> {
    const socket = connect(relay.url, { transports: ['websocket'], reconnection: false, forceNew: true });
    const player = new Player(socket, relay);
    socket.on('delta', (frame: unknown) => player.onDelta(frame));
    socket.on('sync', (frame: unknown) => player.onSync(frame));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    // The adapter subscribes asynchronously: probe until a broadcast gets through.
    let probed = false;
    socket.on('probe', () => (probed = true));
    const emitter = new Emitter(redis, { key: canvasKeys(canvasId).socketIo });
    await waitFor(
      () => {
        emitter.to(canvasRoom(canvasId)).emit('probe');
        return probed;
      },
      { timeoutMs: 5_000, intervalMs: 50, message: 'a broadcast to reach the player' },
    );
    if (options.load ?? true) player.sync.start();
    await player.settled();
    return player;
  }

  get lastDelta(): Delta | undefined {
    return this.deltas[this.deltas.length - 1];
  }

  /** Resolves when every read asked for so far has landed. */
  async settled(): Promise<void> {
    await waitFor(() => !this.sync.busy, { timeoutMs: 5_000, message: "the player's reads to land" });
  }

  close(): void {
    this.socket.disconnect();
    this.sync.stop();
  }

  private onDelta(frame: unknown): void {
    this.frames.push(frame);
    this.sync.handleDelta(frame);
  }

  private onSync(frame: unknown): void {
    // Recorded for the tests (what the sync said, and what an aligned replica found); judged by the sync code.
    const bytes = decodeWireFrame(frame);
    const sync = bytes.ok ? decodeSync(bytes.value) : bytes;
    if (sync.ok) {
      this.syncs.push(sync.value);
      if (this.replica.loaded && this.replica.lastSeq === sync.value.afterSeq) {
        const mismatched = sync.value.checksums.filter(({ cx, cy, checksum }) => chunkChecksum(this.replica.chunkBytes(cx, cy)) !== checksum);
        this.checkedSyncs.push({ sync: sync.value, mismatched });
      }
    }
    this.sync.handleSync(frame);
  }
}

/** What a browser gets: the frame through the binary canvas codec. */
function overHttp(frame: CanvasFrame): CanvasFrame {
  const decoded = decodeCanvas(encodeCanvas(frame));
  if (!decoded.ok) throw decoded.error;
  return decoded.value;
}

/** The canvas in Redis as width×height palette indices. */
export async function canvasInRedis(redis: Redis, canvasId: string): Promise<Uint8Array> {
  const frame = await readCanvas(redis, canvasId);
  if (!frame) throw new Error('no canvas');
  const replica = new CanvasReplica();
  replica.loadCanvas(overHttp(frame));
  return replica.toIndexArray();
}

/** Leader ticks a writer has run (its tick-duration histogram's count). */
export async function ticksOf(writer: TestWriter): Promise<number> {
  const metric = await writer.metrics.tickDuration.get();
  return metric.values.find((value) => value.metricName?.endsWith('_count'))?.value ?? 0;
}

/**
 * Waits until a leading writer has run `count` more ticks: the window a "nothing happens" check
 * needs, counted in the writer's own ticks rather than in milliseconds a loaded machine may stretch.
 */
export async function waitForTicks(writer: TestWriter, count: number, timeoutMs = 10_000): Promise<void> {
  const target = (await ticksOf(writer)) + count;
  await waitFor(async () => (await ticksOf(writer)) >= target, { timeoutMs, message: `${String(count)} more ticks of ${writer.config.writerId}` });
}

/** Waits until the player has applied a delta ending at the newest event. */
export async function waitUntilCaughtUp(player: Player, redis: Redis, canvasId: string, timeoutMs = 5_000): Promise<void> {
  const newest = await lastEventPosition(redis, canvasId);
  await waitFor(
    () => {
      const last = player.lastDelta;
      return last?.end.ms === newest.ms && last.end.seq === newest.seq;
    },
    { timeoutMs, message: `the player to receive the delta ending at ${newest.ms}-${newest.seq}` },
  );
  await player.settled();
}

/** Asserts the deltas a player received form one unbroken chain (resends of the last one aside). */
export function chainProblems(deltas: readonly Delta[]): string[] {
  const problems: string[] = [];
  for (let i = 1; i < deltas.length; i++) {
    const previous = deltas[i - 1]!;
    const delta = deltas[i]!;
    if (delta.epoch !== previous.epoch) continue;
    if (delta.seq === previous.seq) continue; // a resend after a takeover
    if (delta.seq !== previous.seq + 1) problems.push(`seq ${previous.seq} followed by ${delta.seq}`);
    else if (delta.start.ms !== previous.end.ms || delta.start.seq !== previous.end.seq) {
      problems.push(`delta ${delta.seq} starts at ${delta.start.ms}-${delta.start.seq}, not where ${previous.seq} ended`);
    }
  }
  return problems;
}

import {
  CanvasReplica,
  decodeCanvas,
  decodeDelta,
  decodeSync,
  decodeWireFrame,
  formatPosition,
  inflateDelta,
  isDeflatedDelta,
  newerDeltaFormat,
  parsePosition,
  type CanvasConfig,
  type CanvasFrame,
  type Delta,
  type ReplicaAction,
  type ReplicaChange,
  type StreamPosition,
} from '@tessera/protocol';
import { inflateRaw } from './inflate.js';

/**
 * Owns the CanvasReplica and does its I/O: feeds it deltas and syncs from the socket and turns
 * the actions it returns into HTTP reads. All consistency rules live in the replica; this file
 * only fetches, retries and throws away answers that belong to an older connection.
 */
export interface CanvasSync {
  readonly replica: CanvasReplica;
  /**
   * A (re)connection was welcomed: read the canvas, at least as new as the welcome's promise
   * (invariant 6). Deltas that reached this connection before its welcome are kept and replayed.
   */
  start(promise?: ConnectionPromise): void;
  /** The canvas was rewritten outside the stream (a resync): drop the local copy and read it again. */
  reload(): void;
  /** The connection dropped: cancel reads and forget its deltas (the next connection starts afresh). */
  stop(): void;
  handleDelta(frame: unknown): void;
  handleSync(frame: unknown): void;
  /** The newest config; its size wins over an older canvas read's. */
  applyConfig(config: CanvasConfig): void;
  /** Stream position the replica's data reflects, when it holds a complete read (else undefined). */
  readonly appliedThrough: StreamPosition | undefined;
  readonly stats: Readonly<SyncStats>;
  /** A canvas or chunk read is under way or waiting to retry, or a received frame is inflating. */
  readonly busy: boolean;
}

/** What a welcome promises (see Welcome.minPosition): no read older than `position` is installed. */
export interface ConnectionPromise {
  readonly minPosition: string;
  readonly epoch: number;
}

export interface SyncStats {
  deltas: number;
  syncs: number;
  /** Frames that did not decode (dropped). */
  malformed: number;
  /** Deltas in a format newer than this build decodes (a newer release sent them: reload). */
  outdated: number;
  canvasReads: number;
  chunkReads: number;
  /** Reads asked for by the replica (gaps, checksum mismatches, stale reads). */
  refetches: number;
}

export interface CanvasSyncOptions {
  readonly onChange?: (change: ReplicaChange) => void;
  /** Called whenever `appliedThrough` may have moved. */
  readonly onApplied?: () => void;
  /** A complete canvas is installed (first load and every reload). */
  readonly onLoaded?: () => void;
  /** Every delta that decoded, before the replica judges it (for tests and diagnostics). */
  readonly onDelta?: (delta: Delta) => void;
  /** The replica asked for a read (a gap, a new epoch, a stale read, a checksum mismatch). */
  readonly onRefetch?: (action: Exclude<ReplicaAction, { kind: 'none' }>) => void;
  /** A delta came in a format newer than this build reads: the page should reload (called once). */
  readonly onOutdated?: (version: number) => void;
  /** Prefix of the API URLs (default '' = this origin). */
  readonly baseUrl?: string;
  /** Chunk reads in flight at once (default 4). */
  readonly chunkConcurrency?: number;
  /** First retry delay; doubles up to `maxRetryMs` (defaults 250 and 8000 ms). */
  readonly retryMs?: number;
  readonly maxRetryMs?: number;
  readonly fetch?: typeof fetch;
  readonly log?: (message: string) => void;
}

const DEFAULTS = { chunkConcurrency: 4, retryMs: 250, maxRetryMs: 8000 } as const;

class HttpError extends Error {
  override readonly name = 'HttpError';
}

export function createCanvasSync(options: CanvasSyncOptions = {}): CanvasSync {
  const baseUrl = options.baseUrl ?? '';
  const concurrency = options.chunkConcurrency ?? DEFAULTS.chunkConcurrency;
  const retryMs = options.retryMs ?? DEFAULTS.retryMs;
  const maxRetryMs = options.maxRetryMs ?? DEFAULTS.maxRetryMs;
  const fetchFn = options.fetch ?? globalThis.fetch.bind(globalThis);
  const log = options.log ?? ((message: string) => console.info(`[tessera] ${message}`));
  const stats: SyncStats = { deltas: 0, syncs: 0, malformed: 0, outdated: 0, canvasReads: 0, chunkReads: 0, refetches: 0 };

  const replica = new CanvasReplica(options.onChange ? { onChange: options.onChange } : {});
  let config: CanvasConfig | undefined;

  /** Bumped on every (re)connection and stop; answers from an older generation are dropped. */
  let generation = 0;
  let controller = new AbortController();
  let canvasReadInFlight = false;
  const chunkQueue: { cx: number; cy: number; attempt: number }[] = [];
  const chunksWanted = new Set<string>();
  let chunksInFlight = 0;

  /**
   * Frames wait here while an earlier one inflates (DecompressionStream is asynchronous), so
   * deltas and syncs reach the replica in the order they arrived. Undefined when nothing waits:
   * a frame that needs no inflating is then applied at once, as before.
   */
  let inbox: Promise<void> | undefined;
  /** Bumped by stop(): frames of a dropped connection still inflating are not applied. */
  let inboxGeneration = 0;

  function receive(frame: unknown, what: string, apply: (bytes: Uint8Array) => void): void {
    const bytes = decodeWireFrame(frame);
    if (!bytes.ok) return void dropMalformed(what, bytes.error.message);
    if (!inbox && !isDeflatedDelta(bytes.value)) return void apply(bytes.value);
    const gen = inboxGeneration;
    const inflated = inflateDelta(bytes.value, inflateRaw); // starts now; applied in turn
    const tail = (inbox ?? Promise.resolve()).then(async () => {
      const result = await inflated;
      if (gen !== inboxGeneration) return;
      if (!result.ok) dropMalformed(what, result.error.message);
      else apply(result.value);
    });
    inbox = tail;
    void tail.then(() => {
      if (inbox === tail) inbox = undefined;
    });
  }

  function dropMalformed(what: string, message: string): void {
    stats.malformed++;
    log(`dropped a malformed ${what}: ${message}`);
  }

  let toldOutdated = false;
  function applyDelta(bytes: Uint8Array): void {
    const decoded = decodeDelta(bytes);
    if (!decoded.ok) {
      const newer = newerDeltaFormat(bytes);
      if (newer === undefined) return void dropMalformed('delta', decoded.error.message);
      stats.outdated++;
      if (!toldOutdated) {
        toldOutdated = true;
        log(`deltas arrive in format ${newer}, newer than this page reads: reload it`);
        options.onOutdated?.(newer);
      }
      return;
    }
    stats.deltas++;
    options.onDelta?.(decoded.value);
    handle(replica.applyDelta(decoded.value));
    options.onApplied?.();
  }

  function applySync(bytes: Uint8Array): void {
    const decoded = decodeSync(bytes);
    if (!decoded.ok) return void dropMalformed('sync', decoded.error.message);
    stats.syncs++;
    handle(replica.checkSync(decoded.value));
  }

  function backoff(attempt: number): number {
    return Math.min(maxRetryMs, retryMs * 2 ** attempt) * (0.75 + Math.random() / 2);
  }

  function sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      signal.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          resolve();
        },
        { once: true },
      );
    });
  }

  /**
   * One canvas frame over HTTP. `fresh` bypasses every cache: the browser's (`no-store`) and a
   * CDN's (a query string it has not seen), for reads that must not be older than a known delta.
   */
  async function readFrame(path: string, fresh: boolean, signal: AbortSignal): Promise<CanvasFrame> {
    // `after`: the gateway and any cache in between answer no older than the connection's promise.
    const query = new URLSearchParams();
    const required = replica.requiredPosition;
    if (required) query.set('after', formatPosition(required));
    if (fresh) query.set('t', `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`);
    const url = `${baseUrl}${path}${query.size > 0 ? `?${query.toString()}` : ''}`;
    const response = await fetchFn(url, { cache: fresh ? 'no-store' : 'default', signal, credentials: 'same-origin' });
    if (!response.ok) throw new HttpError(`GET ${path} answered ${response.status}`);
    const decoded = decodeCanvas(new Uint8Array(await response.arrayBuffer()));
    if (!decoded.ok) throw decoded.error;
    return decoded.value;
  }

  function handle(action: ReplicaAction): void {
    switch (action.kind) {
      case 'none':
        return;
      case 'refetch-all':
        stats.refetches++;
        options.onRefetch?.(action);
        log(`refetching the canvas: ${action.reason}`);
        void readCanvas(true);
        return;
      case 'refetch-chunks':
        stats.refetches++;
        options.onRefetch?.(action);
        log(`refetching ${action.chunks.length} chunk(s) whose checksum differs`);
        for (const { cx, cy } of action.chunks) queueChunk(cx, cy, 0);
        return;
    }
  }

  /** Reads the whole canvas until the replica accepts a read; one read at a time per generation. */
  async function readCanvas(fresh: boolean): Promise<void> {
    // A read already under way is judged by the replica when it lands; if it is too old, the replica says so.
    if (canvasReadInFlight) return;
    canvasReadInFlight = true;
    const gen = generation;
    const { signal } = controller;
    let attempt = 0;
    let useFresh = fresh;
    try {
      while (gen === generation) {
        try {
          stats.canvasReads++;
          const frame = await readFrame('/api/canvas/data', useFresh, signal);
          if (gen !== generation) return;
          const action = replica.loadCanvas(frame);
          if (action.kind === 'none') {
            reconcileSize(frame.configVersion);
            options.onLoaded?.();
            options.onApplied?.();
            return;
          }
          // The read predates deltas already received (a cache served it): ask again past the caches.
          stats.refetches++;
          options.onRefetch?.(action);
          log(`canvas read rejected (${action.kind === 'refetch-all' ? action.reason : action.kind}); reading again`);
        } catch (error) {
          if (signal.aborted || gen !== generation) return;
          log(`canvas read failed: ${String(error)}`);
        }
        useFresh = true;
        await sleep(backoff(attempt++), signal);
      }
    } finally {
      if (gen === generation) canvasReadInFlight = false;
    }
  }

  function queueChunk(cx: number, cy: number, attempt: number): void {
    const id = `${cx},${cy}`;
    if (chunksWanted.has(id)) return; // queued or in flight; the replica judges that read when it lands
    chunksWanted.add(id);
    chunkQueue.push({ cx, cy, attempt });
    pumpChunks();
  }

  function pumpChunks(): void {
    while (chunksInFlight < concurrency && chunkQueue.length > 0) {
      const next = chunkQueue.shift()!;
      chunksInFlight++;
      void readChunk(next.cx, next.cy, next.attempt, generation).finally(() => {
        chunksInFlight--;
        pumpChunks();
      });
    }
  }

  async function readChunk(cx: number, cy: number, attempt: number, gen: number): Promise<void> {
    const id = `${cx},${cy}`;
    const { signal } = controller;
    let retry = false;
    try {
      stats.chunkReads++;
      const frame = await readFrame(`/api/canvas/data/${cx}/${cy}`, true, signal);
      if (gen !== generation) return;
      const action = replica.loadChunk(frame, cx, cy);
      if (action.kind === 'none') options.onApplied?.();
      else retry = true;
    } catch (error) {
      if (signal.aborted || gen !== generation) return;
      log(`chunk ${id} read failed: ${String(error)}`);
      retry = true;
    } finally {
      if (gen === generation) chunksWanted.delete(id);
    }
    if (retry && gen === generation) {
      await sleep(backoff(attempt), signal);
      if (gen === generation) queueChunk(cx, cy, attempt + 1);
    }
  }

  /** A read carries the size of its config version; a newer pushed config overrides it. */
  function reconcileSize(readConfigVersion: number): void {
    if (!config || config.version < readConfigVersion) return;
    if (replica.width !== config.width || replica.height !== config.height) replica.resize(config.width, config.height);
  }

  function reset(): void {
    generation++;
    controller.abort();
    controller = new AbortController();
    canvasReadInFlight = false;
    chunkQueue.length = 0;
    chunksWanted.clear();
  }

  return {
    replica,
    stats,
    get appliedThrough() {
      return replica.position;
    },
    get busy() {
      return canvasReadInFlight || chunksInFlight > 0 || chunkQueue.length > 0 || inbox !== undefined;
    },
    start(promise) {
      reset();
      // A gateway of an older version sends no promise: then nothing is required.
      const position = typeof promise?.minPosition === 'string' ? parsePosition(promise.minPosition) : undefined;
      const epoch = typeof promise?.epoch === 'number' && promise.epoch > 0 ? promise.epoch : undefined;
      replica.requireAtLeast(position, epoch);
      void readCanvas(false);
    },
    reload() {
      reset();
      replica.invalidate();
      void readCanvas(true);
    },
    stop() {
      reset();
      inboxGeneration++;
      inbox = undefined;
      replica.reset();
    },
    handleDelta(frame) {
      receive(frame, 'delta', applyDelta);
    },
    handleSync(frame) {
      receive(frame, 'sync', applySync);
    },
    applyConfig(next) {
      config = next;
      if (replica.loaded && (replica.width !== next.width || replica.height !== next.height)) replica.resize(next.width, next.height);
    },
  };
}

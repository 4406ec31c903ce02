import {
  CanvasReplica,
  decodeCanvas,
  decodeDelta,
  decodeSync,
  decodeWireFrame,
  type CanvasConfig,
  type CanvasFrame,
  type ReplicaAction,
  type Welcome,
} from '@tessera/protocol';
import { io, type Socket } from 'socket.io-client';

/**
 * A headless player: the same replica rules the browser runs, fed by a real Socket.IO
 * connection and real HTTP canvas reads, with counters the tests assert on.
 */
export class ReplicaClient {
  readonly replica = new CanvasReplica();
  readonly socket: Socket;
  readonly seqs: number[] = [];
  fullRefetches = 0;
  readonly refetchReasons: string[] = [];
  chunkRefetches = 0;
  syncsChecked = 0;
  decodeErrors = 0;
  resyncs = 0;
  /** The newest config seen (welcome or `config` event): its size wins over an older canvas read's. */
  config: CanvasConfig | undefined;
  private welcomed!: Promise<Welcome>;
  private loading: Promise<void> | undefined;

  constructor(readonly url: string) {
    this.socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: true });
    this.welcomed = new Promise((resolve) => this.socket.once('welcome', resolve));
    this.socket.on('welcome', (welcome: Welcome) => {
      this.config = welcome.config;
      this.replica.invalidate();
      void this.refetchAll();
    });
    // Live config changes (an admin resize) and rewrites outside the stream (a palette removal, a
    // shrink): the same handling as the browser's.
    this.socket.on('config', (config: CanvasConfig) => {
      if (this.config && config.version <= this.config.version) return;
      this.config = config;
      this.replica.resize(config.width, config.height);
    });
    this.socket.on('resync', () => {
      this.resyncs++;
      // A read already in flight may predate the rewrite: read again after it.
      void (async () => {
        await this.loading?.catch(() => undefined);
        await this.refetchAll();
      })();
    });
    this.socket.on('delta', (frame: unknown) => {
      const bytes = decodeWireFrame(frame);
      const delta = bytes.ok ? decodeDelta(bytes.value) : bytes;
      if (!delta.ok) return void this.decodeErrors++;
      this.seqs.push(delta.value.seq);
      void this.act(this.replica.applyDelta(delta.value));
    });
    this.socket.on('sync', (frame: unknown) => {
      const bytes = decodeWireFrame(frame);
      const sync = bytes.ok ? decodeSync(bytes.value) : bytes;
      if (!sync.ok) return void this.decodeErrors++;
      this.syncsChecked++;
      void this.act(this.replica.checkSync(sync.value));
    });
  }

  /** Resolves once welcomed and the first canvas read is installed. */
  async ready(): Promise<Welcome> {
    const welcome = await this.welcomed;
    while (!this.replica.loaded) await (this.loading ?? new Promise((resolve) => setTimeout(resolve, 10)));
    return welcome;
  }

  place(x: number, y: number, color: number) {
    return this.socket.timeout(5000).emitWithAck('place', { x, y, color });
  }

  close(): void {
    this.socket.close();
  }

  private async act(action: ReplicaAction): Promise<void> {
    if (action.kind === 'refetch-all') {
      this.fullRefetches++;
      this.refetchReasons.push(action.reason);
      await this.refetchAll();
    } else if (action.kind === 'refetch-chunks') {
      this.chunkRefetches += action.chunks.length;
      for (const { cx, cy } of action.chunks) {
        const frame = await this.fetchFrame(`/api/canvas/data/${cx}/${cy}`);
        await this.act(this.replica.loadChunk(frame, cx, cy));
      }
    }
  }

  private refetchAll(): Promise<void> {
    this.loading ??= (async () => {
      try {
        const frame = await this.fetchFrame('/api/canvas/data');
        const next = this.replica.loadCanvas(frame);
        this.keepNewerSize(frame);
        this.loading = undefined;
        await this.act(next);
      } finally {
        this.loading = undefined;
      }
    })();
    return this.loading;
  }

  private keepNewerSize(frame: CanvasFrame): void {
    if (this.config && this.config.version > frame.configVersion) this.replica.resize(this.config.width, this.config.height);
  }

  private async fetchFrame(path: string) {
    const response = await fetch(`${this.url}${path}?t=${Date.now()}`);
    if (!response.ok) throw new Error(`GET ${path}: ${response.status}`);
    const decoded = decodeCanvas(new Uint8Array(await response.arrayBuffer()));
    if (!decoded.ok) throw decoded.error;
    return decoded.value;
  }
}

import type { CanvasConfig, CanvasReplica, PlacePayload, Welcome } from '@tessera/protocol';
import type { PlaceOutcome } from '../../../web/src/connection.js';
import { createLiveCanvas, type LiveCanvas } from '../../../web/src/live-canvas.js';

/**
 * A headless player: the browser's own connection and canvas sync (web/src/live-canvas.ts), run
 * in Node against a real gateway, with counters the tests assert on. Nothing here decides what a
 * frame does to the replica: that is the code players run.
 */
export class ReplicaClient {
  readonly live: LiveCanvas;
  readonly seqs: number[] = [];
  fullRefetches = 0;
  readonly refetchReasons: string[] = [];
  chunkRefetches = 0;
  resyncs = 0;
  welcomes = 0;
  private readonly welcomed: Promise<Welcome>;
  private loadedOnce = false;
  private readonly loadWaiters: (() => void)[] = [];

  constructor(readonly url: string) {
    let resolveWelcome!: (welcome: Welcome) => void;
    this.welcomed = new Promise((resolve) => (resolveWelcome = resolve));
    let token: string | undefined;
    this.live = createLiveCanvas({
      url,
      baseUrl: url,
      // Each headless player is its own guest, as each browser is.
      tokens: { get: () => token, set: (value) => (token = value), clear: () => (token = undefined) },
      log: () => undefined,
      onWelcome: (welcome) => {
        this.welcomes++;
        resolveWelcome(welcome);
      },
      onLoaded: () => {
        this.loadedOnce = true;
        this.loadWaiters.splice(0).forEach((wake) => wake());
      },
      onDelta: (delta) => this.seqs.push(delta.seq),
      onRefetch: (action) => {
        if (action.kind === 'refetch-all') {
          this.fullRefetches++;
          this.refetchReasons.push(action.reason);
        } else {
          this.chunkRefetches += action.chunks.length;
        }
      },
      onResync: () => this.resyncs++,
    });
  }

  get replica(): CanvasReplica {
    return this.live.sync.replica;
  }
  /** The newest config seen (welcome or push). */
  get config(): CanvasConfig | undefined {
    return this.live.config;
  }
  get syncsChecked(): number {
    return this.live.sync.stats.syncs;
  }
  get decodeErrors(): number {
    return this.live.sync.stats.malformed;
  }

  /** Resolves once welcomed and the first canvas read is installed. */
  async ready(): Promise<Welcome> {
    const welcome = await this.welcomed;
    if (!this.loadedOnce) await new Promise<void>((resolve) => this.loadWaiters.push(resolve));
    return welcome;
  }

  place(x: number, y: number, color: number): Promise<PlaceOutcome> {
    const payload: PlacePayload = { x, y, color };
    return this.live.connection.place(payload);
  }

  close(): void {
    this.live.close();
  }
}

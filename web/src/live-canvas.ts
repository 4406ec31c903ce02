import type { CanvasConfig, ErrorCode, ReplicaChange, Welcome } from '@tessera/protocol';
import { createCanvasSync, type CanvasSync, type CanvasSyncOptions } from './canvas-sync.js';
import { createConnection, type Connection, type ConnectionOptions, type ConnectionState } from './connection.js';

/**
 * A player's live canvas: the connection to a gateway wired to the canvas sync. This is the one
 * place that decides what a welcome, a delta, a sync, a resync, a config push and a dropped
 * connection do to the replica; the page (main.ts) and the end-to-end tests both run it, so the
 * tests prove the code players run.
 */
export interface LiveCanvas {
  readonly connection: Connection;
  readonly sync: CanvasSync;
  /** The newest config (the welcome's, or a newer push); undefined before the first welcome. */
  readonly config: CanvasConfig | undefined;
  readonly state: ConnectionState;
  close(): void;
}

export interface LiveCanvasOptions extends ConnectionOptions {
  /** Prefix of the canvas HTTP URLs (default '' = this origin). */
  readonly baseUrl?: string;
  readonly fetch?: typeof fetch;
  readonly log?: (message: string) => void;
  readonly onState?: (state: ConnectionState) => void;
  readonly onWelcome?: (welcome: Welcome) => void;
  /** A config to show: the welcome's (whatever its version) or a newer push. */
  readonly onConfig?: (config: CanvasConfig) => void;
  readonly onKicked?: (reason: ErrorCode) => void;
  readonly onChange?: (change: ReplicaChange) => void;
  readonly onApplied?: () => void;
  readonly onLoaded?: () => void;
  readonly onDelta?: CanvasSyncOptions['onDelta'];
  readonly onRefetch?: CanvasSyncOptions['onRefetch'];
  readonly onOutdated?: CanvasSyncOptions['onOutdated'];
  /** The canvas was rewritten outside the stream and is being read again. */
  readonly onResync?: () => void;
  /** The gateway told us its canvas became unavailable (false) or is back (true). */
  readonly onCanvasStatus?: (available: boolean) => void;
  /** Players online across every gateway. */
  readonly onPresence?: (online: number) => void;
  /** The handshake's identity was refused (see ConnectionHandlers.onAuthRefused). */
  readonly onAuthRefused?: (reason: ErrorCode) => void;
}

export function createLiveCanvas(options: LiveCanvasOptions = {}): LiveCanvas {
  let config: CanvasConfig | undefined;
  const sync = createCanvasSync({
    ...(options.baseUrl !== undefined ? { baseUrl: options.baseUrl } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.log ? { log: options.log } : {}),
    ...(options.onChange ? { onChange: options.onChange } : {}),
    ...(options.onApplied ? { onApplied: options.onApplied } : {}),
    ...(options.onLoaded ? { onLoaded: options.onLoaded } : {}),
    ...(options.onDelta ? { onDelta: options.onDelta } : {}),
    ...(options.onRefetch ? { onRefetch: options.onRefetch } : {}),
    ...(options.onOutdated ? { onOutdated: options.onOutdated } : {}),
  });

  function applyConfig(next: CanvasConfig): void {
    config = next;
    sync.applyConfig(next);
    options.onConfig?.(next);
  }

  const connection = createConnection(
    {
      onState: (state) => {
        // Deltas missed while not live cannot be told from the ones received: start afresh.
        if (state.kind !== 'live') sync.stop();
        options.onState?.(state);
      },
      onWelcome: (welcome) => {
        options.onWelcome?.(welcome);
        applyConfig(welcome.config); // a new connection's config is the truth, whatever its version
        sync.start(welcome);
      },
      onDelta: (frame) => sync.handleDelta(frame),
      onSync: (frame) => sync.handleSync(frame),
      onResync: () => {
        sync.reload();
        options.onResync?.();
      },
      onConfig: (next) => {
        if (!config || next.version > config.version) applyConfig(next);
      },
      onKicked: (reason) => options.onKicked?.(reason),
      // Deltas missed meanwhile show up as a sequence gap or at the next sync: nothing to do here.
      onCanvasStatus: (available) => options.onCanvasStatus?.(available),
      onPresence: (online) => options.onPresence?.(online),
      ...(options.onAuthRefused ? { onAuthRefused: options.onAuthRefused } : {}),
    },
    options,
  );

  return {
    connection,
    sync,
    get config() {
      return config;
    },
    get state() {
      return connection.state;
    },
    close() {
      connection.close();
      sync.stop();
    },
  };
}

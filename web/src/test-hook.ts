import type { CanvasReplica } from '@tessera/protocol';
import type { CanvasSync, SyncStats } from './canvas-sync.js';
import type { ConnectionState, PlaceOutcome } from './connection.js';
import type { HistoryViewerState } from './history/history-viewer.js';
import type { Palette } from './palette.js';
import type { Placement } from './placement.js';
import type { Renderer } from './renderer.js';
import type { View } from './view.js';

/**
 * `window.__tessera`: a read-only window into the client for browser tests and debugging in the
 * console. Nothing in the client reads it; tests must not write through it (the replica is live).
 */
export interface TesseraTestHook {
  readonly replica: CanvasReplica;
  /** Placements sent since the page loaded. */
  readonly placeCount: number;
  readonly lastResult: PlaceOutcome | undefined;
  readonly connection: ConnectionState['kind'];
  /** A complete canvas read is installed and no gap has been seen since. */
  readonly loaded: boolean;
  readonly selectedColor: number;
  readonly view: { readonly x: number; readonly y: number; readonly zoom: number };
  readonly stats: Readonly<SyncStats>;
  /** The history viewer (history/history-viewer.ts): what it shows and at which time. */
  readonly history: HistoryViewerState;
  /** Page (CSS) coordinates of the centre of board pixel (x, y): where to click it. */
  clientPointOf(x: number, y: number): { x: number; y: number };
  /** Device-pixel coordinates in the canvas bitmap of the centre of board pixel (x, y): where to read it. */
  canvasPointOf(x: number, y: number): { x: number; y: number };
}

declare global {
  interface Window {
    readonly __tessera?: TesseraTestHook;
  }
}

export interface TestHookDeps {
  readonly replica: CanvasReplica;
  readonly placement: Placement;
  readonly renderer: Renderer;
  readonly view: View;
  readonly board: HTMLCanvasElement;
  readonly palette: Palette;
  readonly connection: () => ConnectionState;
  readonly sync: CanvasSync;
  readonly history: HistoryViewerState;
}

export function installTestHook(deps: TestHookDeps): void {
  const hook: TesseraTestHook = Object.freeze({
    get replica() {
      return deps.replica;
    },
    get placeCount() {
      return deps.placement.placeCount;
    },
    get lastResult() {
      return deps.placement.lastResult;
    },
    get connection() {
      return deps.connection().kind;
    },
    get loaded() {
      return deps.replica.loaded;
    },
    get selectedColor() {
      return deps.palette.selected;
    },
    get view() {
      return { x: deps.view.x, y: deps.view.y, zoom: deps.view.zoom };
    },
    get stats() {
      return { ...deps.sync.stats };
    },
    get history() {
      return deps.history;
    },
    clientPointOf(x: number, y: number) {
      const rect = deps.board.getBoundingClientRect();
      const point = deps.view.boardToScreen(x + 0.5, y + 0.5);
      return { x: rect.left + point.x, y: rect.top + point.y };
    },
    canvasPointOf(x: number, y: number) {
      return deps.renderer.canvasPointOf(x, y);
    },
  });
  Object.defineProperty(window, '__tessera', { value: hook, enumerable: false, configurable: false, writable: false });
}

import type { Rect } from '@tessera/protocol';
import { attachInput } from '../input.js';
import { createLiveCanvas, type LiveCanvas } from '../live-canvas.js';
import { createRenderer, type Renderer } from '../renderer.js';
import { createView, type View } from '../view.js';
import { attachRectangleSelect, type RectangleSelect } from './rectangle-select.js';

/**
 * The live canvas on the admin page: the players' own sync, renderer, view and input, plus a
 * rectangle selection. A tap picks a pixel (to look up its owner); a Shift-drag, or any drag in
 * select mode, selects a rectangle. The keyboard moves a cursor at the centre, Enter picks it.
 */
export interface AdminCanvas {
  readonly live: LiveCanvas;
  readonly view: View;
  readonly renderer: Renderer;
  readonly select: RectangleSelect;
  /** Outlines the picked pixel (undefined: none). */
  setPicked(pixel: { x: number; y: number } | undefined): void;
  /** Centres the view on a pixel, zoomed in enough to see it. */
  showPixel(x: number, y: number): void;
  close(): void;
}

export interface AdminCanvasOptions {
  readonly board: HTMLCanvasElement;
  readonly selectionBox: HTMLElement;
  /** Where the pointer's board pixel is shown, e.g. "(12, 34)". */
  readonly coords?: HTMLElement;
  readonly onPick: (x: number, y: number) => void;
  readonly onSelect: (rect: Rect | undefined) => void;
}

/** Enough to tell one pixel from its neighbours when jumping to it. */
const SHOW_PIXEL_MIN_ZOOM = 8;

export function createAdminCanvas(options: AdminCanvasOptions): AdminCanvas {
  const { board } = options;
  // The admin page keeps its own view out of the URL: its hash is the players' format, not a link to share here.
  const view = createView({ location: { hash: '', pathname: location.pathname, search: location.search }, history: { replaceState: () => undefined } });
  let renderer: Renderer | undefined;
  const live = createLiveCanvas({
    spectator: true, // the admin's view: neither a canvas load nor a player online
    onChange: (change) => {
      renderer?.onReplicaChange(change);
      if (change.kind === 'all') {
        view.setBoard(live.sync.replica.width, live.sync.replica.height);
        select.refresh();
      }
    },
    onConfig: (config) => renderer?.setPalette(config.palette),
    onState: (state) => (board.dataset.connection = state.kind),
  });
  const { replica } = live.sync;
  const boardSize = () => ({ width: replica.width, height: replica.height });
  const draw = createRenderer({ canvas: board, replica, view, overlay: () => [] });
  renderer = draw;
  if (live.config) draw.setPalette(live.config.palette);

  // Before attachInput: a selecting drag is claimed here and never pans.
  const select = attachRectangleSelect({ canvas: board, view, box: options.selectionBox, boardSize, onSelect: options.onSelect });

  function pixelAt(sx: number, sy: number): { x: number; y: number } | undefined {
    const point = view.screenToBoard(sx, sy);
    const pixel = { x: Math.floor(point.x), y: Math.floor(point.y) };
    return pixel.x >= 0 && pixel.y >= 0 && pixel.x < replica.width && pixel.y < replica.height ? pixel : undefined;
  }
  const centre = () => ({ x: Math.floor(view.x), y: Math.floor(view.y) });
  let keyboardCursor = false;
  view.subscribe(() => {
    if (keyboardCursor) draw.setReticle(centre());
  });

  attachInput(board, view, {
    onTap: (sx, sy) => {
      const pixel = pixelAt(sx, sy);
      if (pixel) options.onPick(pixel.x, pixel.y);
    },
    onHover: (sx, sy) => {
      const pixel = pixelAt(sx, sy);
      draw.setHover(pixel);
      if (options.coords) options.coords.textContent = pixel ? `(${pixel.x}, ${pixel.y})` : '—';
    },
    onHoverEnd: () => draw.setHover(undefined),
    onPlaceKey: () => {
      const { x, y } = centre();
      if (x >= 0 && y >= 0 && x < replica.width && y < replica.height) options.onPick(x, y);
    },
    onKeyboardFocus: (focused) => {
      keyboardCursor = focused;
      draw.setReticle(focused ? centre() : undefined);
    },
  });

  installAdminCanvasHook({ live, view, board, renderer: draw, select });

  return {
    live,
    view,
    renderer: draw,
    select,
    setPicked(pixel) {
      if (!keyboardCursor) draw.setReticle(pixel);
    },
    showPixel(x, y) {
      if (view.zoom < SHOW_PIXEL_MIN_ZOOM) view.zoomAt(SHOW_PIXEL_MIN_ZOOM / view.zoom, view.viewportWidth / 2, view.viewportHeight / 2);
      view.centreOn(x + 0.5, y + 0.5);
    },
    close() {
      live.close();
    },
  };
}

/** `window.__tesseraAdmin`: what browser tests read of the admin canvas (read-only, like the player's hook). */
export interface AdminCanvasHook {
  readonly connection: string;
  readonly loaded: boolean;
  readonly selection: Rect | undefined;
  colorAt(x: number, y: number): number;
  /** Page (CSS) coordinates of the centre of board pixel (x, y): where to click it. */
  clientPointOf(x: number, y: number): { x: number; y: number };
  readonly view: { readonly x: number; readonly y: number; readonly zoom: number };
}

declare global {
  interface Window {
    __tesseraAdmin?: AdminCanvasHook;
  }
}

function installAdminCanvasHook(deps: { live: LiveCanvas; view: View; board: HTMLCanvasElement; renderer: Renderer; select: RectangleSelect }): void {
  const { live, view, board, select } = deps;
  // Replaced on each sign-in, hence a plain property rather than a frozen one.
  window.__tesseraAdmin = Object.freeze({
    get connection() {
      return live.state.kind;
    },
    get loaded() {
      return live.sync.replica.loaded;
    },
    get selection() {
      return select.selection;
    },
    colorAt: (x: number, y: number) => live.sync.replica.colorAt(x, y),
    clientPointOf(x: number, y: number) {
      const rect = board.getBoundingClientRect();
      const point = view.boardToScreen(x + 0.5, y + 0.5);
      return { x: rect.left + point.x, y: rect.top + point.y };
    },
    get view() {
      return { x: view.x, y: view.y, zoom: view.zoom };
    },
  });
}

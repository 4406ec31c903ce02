/**
 * Pan and zoom state: the board point at the centre of the screen and the zoom in CSS pixels per
 * board pixel. Mirrored in the URL hash (`#x=…&y=…&z=…`) so a view can be shared.
 */
export interface ViewState {
  readonly x: number;
  readonly y: number;
  readonly zoom: number;
}

export interface View extends ViewState {
  /** The size of the canvas element in CSS pixels, and device pixels per CSS pixel. */
  setViewport(width: number, height: number, pixelRatio?: number): void;
  /** The board size; the first call without a view from the URL fits the board on screen. */
  setBoard(width: number, height: number): void;
  panBy(dxCss: number, dyCss: number): void;
  /** Multiplies the zoom, keeping the board point under (sx, sy) (CSS px in the canvas) in place. */
  zoomAt(factor: number, sx: number, sy: number): void;
  centreOn(x: number, y: number): void;
  /** Shows the whole board. */
  fit(): void;
  screenToBoard(sx: number, sy: number): { x: number; y: number };
  boardToScreen(x: number, y: number): { x: number; y: number };
  readonly viewportWidth: number;
  readonly viewportHeight: number;
  subscribe(listener: () => void): void;
}

export interface ViewOptions {
  /** Largest zoom in CSS px per board pixel (default 64). */
  readonly maxZoom?: number;
  /** Delay before the URL follows the view (default 300 ms), so dragging doesn't flood history. */
  readonly urlDelayMs?: number;
  /** Where the view is mirrored (default the page's location and history). */
  readonly location?: Pick<Location, 'hash' | 'pathname' | 'search'>;
  readonly history?: Pick<History, 'replaceState'>;
}

const DEFAULTS = { maxZoom: 64, urlDelayMs: 300 } as const;

/** Reads `#x=..&y=..&z=..`; undefined unless all three are finite numbers. */
export function parseViewHash(hash: string): ViewState | undefined {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const x = Number(params.get('x') ?? Number.NaN);
  const y = Number(params.get('y') ?? Number.NaN);
  const zoom = Number(params.get('z') ?? Number.NaN);
  if (!Number.isFinite(x) || !Number.isFinite(y) || !Number.isFinite(zoom) || zoom <= 0) return undefined;
  return { x, y, zoom };
}

export function formatViewHash(state: ViewState): string {
  return `#x=${round(state.x, 1)}&y=${round(state.y, 1)}&z=${round(state.zoom, 2)}`;
}

function round(value: number, digits: number): string {
  return String(Number(value.toFixed(digits)));
}

export function createView(options: ViewOptions = {}): View {
  const maxZoom = options.maxZoom ?? DEFAULTS.maxZoom;
  const urlDelayMs = options.urlDelayMs ?? DEFAULTS.urlDelayMs;
  const loc = options.location ?? window.location;
  const hist = options.history ?? window.history;
  const listeners: (() => void)[] = [];

  const fromUrl = parseViewHash(loc.hash);
  let x = fromUrl?.x ?? 0;
  let y = fromUrl?.y ?? 0;
  let zoom = fromUrl?.zoom ?? 4;
  let boardWidth = 0;
  let boardHeight = 0;
  let viewportWidth = 1;
  let viewportHeight = 1;
  let pixelRatio = 1;
  /** Whether the view still awaits its first placement (no URL view, no board yet). */
  let needsFit = fromUrl === undefined;
  /** The view shows the whole board and the player has not moved it: keep it fitted on resize or rotation. */
  let fitted = false;
  let urlTimer: ReturnType<typeof setTimeout> | undefined;
  let lastHash = fromUrl ? loc.hash : '';

  function fitZoom(): number {
    if (boardWidth === 0 || boardHeight === 0) return 1;
    return Math.min(viewportWidth / boardWidth, viewportHeight / boardHeight);
  }
  // Far enough out to see the whole board with room around it, never so far that it vanishes.
  function minZoom(): number {
    return Math.max(0.02, Math.min(1, fitZoom()) * 0.5);
  }

  /**
   * A zoom near `wanted`, never above `limit`, whose board pixels each cover a whole number of
   * device pixels (or, zoomed out, a whole number of board pixels per device pixel): every pixel
   * the same size instead of an uneven mix of n and n+1.
   */
  function crispZoom(wanted: number, limit: number): number {
    const device = wanted * pixelRatio;
    const candidates = device >= 1 ? [Math.round(device), Math.floor(device)] : [1 / Math.round(1 / device), 1 / Math.ceil(1 / device)];
    const fits = candidates.find((candidate) => candidate > 0 && candidate / pixelRatio <= limit);
    return (fits ?? device) / pixelRatio;
  }

  function clamp(): void {
    zoom = Math.min(maxZoom, Math.max(minZoom(), zoom));
    if (boardWidth > 0) x = Math.min(boardWidth, Math.max(0, x));
    if (boardHeight > 0) y = Math.min(boardHeight, Math.max(0, y));
  }

  function changed(): void {
    clamp();
    scheduleUrl();
    for (const listener of listeners) listener();
  }

  function scheduleUrl(): void {
    if (needsFit) return;
    clearTimeout(urlTimer);
    urlTimer = setTimeout(() => {
      // Other fields of the hash (a template link) are kept after the view's own.
      const others = new URLSearchParams(loc.hash.replace(/^#/, ''));
      for (const field of ['x', 'y', 'z']) others.delete(field);
      const rest = others.toString();
      const hash = `${formatViewHash({ x, y, zoom })}${rest ? `&${rest}` : ''}`;
      if (hash === lastHash) return;
      lastHash = hash;
      hist.replaceState(null, '', `${loc.pathname}${loc.search}${hash}`);
    }, urlDelayMs);
  }

  if (typeof window !== 'undefined' && options.location === undefined) {
    // A pasted link in the same tab: follow it.
    window.addEventListener('hashchange', () => {
      const state = parseViewHash(loc.hash);
      if (!state) return;
      lastHash = loc.hash;
      needsFit = false;
      fitted = false;
      ({ x, y, zoom } = state);
      changed();
    });
  }

  const view: View = {
    get x() {
      return x;
    },
    get y() {
      return y;
    },
    get zoom() {
      return zoom;
    },
    get viewportWidth() {
      return viewportWidth;
    },
    get viewportHeight() {
      return viewportHeight;
    },
    setViewport(width, height, ratio = pixelRatio) {
      if (width <= 0 || height <= 0) return;
      if (width === viewportWidth && height === viewportHeight && ratio === pixelRatio) return;
      viewportWidth = width;
      viewportHeight = height;
      pixelRatio = ratio;
      if (fitted) view.fit();
      else changed();
    },
    setBoard(width, height) {
      if (width === boardWidth && height === boardHeight) return;
      boardWidth = width;
      boardHeight = height;
      if (needsFit && width > 0 && height > 0) {
        needsFit = false;
        view.fit();
        return;
      }
      changed();
    },
    fit() {
      if (boardWidth === 0 || boardHeight === 0) return;
      x = boardWidth / 2;
      y = boardHeight / 2;
      zoom = crispZoom(fitZoom() * 0.92, fitZoom());
      fitted = true;
      changed();
    },
    panBy(dxCss, dyCss) {
      fitted = false;
      x -= dxCss / zoom;
      y -= dyCss / zoom;
      changed();
    },
    zoomAt(factor, sx, sy) {
      fitted = false;
      const before = view.screenToBoard(sx, sy);
      zoom = Math.min(maxZoom, Math.max(minZoom(), zoom * factor));
      // Keep `before` under the pointer: solve screenToBoard(sx, sy) === before for the centre.
      x = before.x - (sx - viewportWidth / 2) / zoom;
      y = before.y - (sy - viewportHeight / 2) / zoom;
      changed();
    },
    centreOn(nx, ny) {
      fitted = false;
      x = nx;
      y = ny;
      changed();
    },
    screenToBoard(sx, sy) {
      return { x: x + (sx - viewportWidth / 2) / zoom, y: y + (sy - viewportHeight / 2) / zoom };
    },
    boardToScreen(bx, by) {
      return { x: (bx - x) * zoom + viewportWidth / 2, y: (by - y) * zoom + viewportHeight / 2 };
    },
    subscribe(listener) {
      listeners.push(listener);
    },
  };
  return view;
}

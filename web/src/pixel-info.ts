import './pixel-info.css';
import { OwnerLookup, type CanvasConfig, type PublicPixelInfo } from '@tessera/protocol';

/**
 * "Who placed this pixel?" for players: Shift- or Alt-click (desktop), a long press (phone), a
 * tap in inspect mode (the toolbar button), or I on the focused board (the keyboard cursor).
 * The answer comes from `GET /api/canvas/pixels/{x}/{y}` and shows in a small card; the whole
 * feature hides when the canvas sets owner lookup to 'off'. A press that inspects never places.
 */
export interface PixelInfo {
  /** Called with every tap before it places: true when the tap was an inspection (do not place). */
  takeTap(x: number, y: number): boolean;
  inspect(x: number, y: number): void;
  /** A config arrived: follow its owner-lookup setting. */
  setConfig(config: CanvasConfig): void;
  close(): void;
  readonly inspectMode: boolean;
}

export interface PixelInfoOptions {
  readonly board: HTMLCanvasElement;
  readonly card: HTMLElement;
  readonly toggle: HTMLButtonElement;
  /** Board pixel under a point in the canvas (CSS px). */
  readonly pixelAt: (sx: number, sy: number) => { x: number; y: number };
  /** The keyboard cursor's pixel. */
  readonly cursor: () => { x: number; y: number };
  /** A pixel off the board is never looked up. */
  readonly boardSize: () => { width: number; height: number };
  readonly palette: () => readonly string[];
  readonly fetch?: typeof fetch;
  readonly baseUrl?: string;
  /** How long a still finger must stay down to inspect (default 500 ms). */
  readonly longPressMs?: number;
  /** How far the finger may drift and still be a long press (default 12 CSS px, the tap slop). */
  readonly longPressSlopPx?: number;
  readonly now?: () => number;
}

const DEFAULTS = { longPressMs: 500, longPressSlopPx: 12 } as const;

export function describeAge(ms: number, now: number): string {
  const seconds = Math.max(0, Math.round((now - ms) / 1000));
  if (seconds < 5) return 'just now';
  if (seconds < 90) return `${seconds} seconds ago`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} minutes ago`;
  if (seconds < 36 * 3600) return `${Math.round(seconds / 3600)} hours ago`;
  return `${Math.round(seconds / 86_400)} days ago`;
}

export function createPixelInfo(options: PixelInfoOptions): PixelInfo {
  const { board, card, toggle } = options;
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const longPressMs = options.longPressMs ?? DEFAULTS.longPressMs;
  const slop = options.longPressSlopPx ?? DEFAULTS.longPressSlopPx;
  const now = options.now ?? Date.now;
  const part = <T extends HTMLElement>(name: string): T => {
    const found = card.querySelector<T>(`[data-part="${name}"]`);
    if (!found) throw new Error(`#pixel-info lacks its ${name}`);
    return found;
  };
  const title = part('title');
  const text = part('text');
  const close = part<HTMLButtonElement>('close');

  let enabled = true;
  let inspectMode = false;
  /** How the current press asked to inspect: a modifier held (look up on release), or held long (already looked up). */
  let pressInspects: 'modifier' | 'long-press' | undefined;
  let longPress: { pointerId: number; x: number; y: number; timer: ReturnType<typeof setTimeout> } | undefined;
  /** Each lookup supersedes the previous: a slow answer for an older pixel is dropped. */
  let generation = 0;

  function setInspectMode(on: boolean): void {
    inspectMode = on && enabled;
    toggle.setAttribute('aria-pressed', String(inspectMode));
    board.dataset.inspect = String(inspectMode);
  }

  function show(state: 'loading' | 'shown' | 'error', heading: string, body: string, pixel: { x: number; y: number }): void {
    card.hidden = false;
    card.dataset.state = state;
    card.dataset.x = String(pixel.x);
    card.dataset.y = String(pixel.y);
    title.textContent = heading;
    text.textContent = body;
  }

  function hide(): void {
    generation++;
    card.hidden = true;
  }

  function describe(info: PublicPixelInfo): string {
    const color = options.palette()[info.color];
    const colorText = color ? ` (colour ${color})` : '';
    if (!info.owner || info.placedAt === null) return `Nobody has placed this pixel yet${colorText}.`;
    const who = info.owner.kind === 'admin' ? `${info.owner.name} (moderator)` : info.owner.name;
    return `Placed by ${who}, ${describeAge(info.placedAt, now())}${colorText}.`;
  }

  async function lookUp(x: number, y: number): Promise<void> {
    const { width, height } = options.boardSize();
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    const mine = ++generation;
    const pixel = { x, y };
    const heading = `Pixel (${x}, ${y})`;
    show('loading', heading, 'Looking it up…', pixel);
    let message: string;
    try {
      const response = await doFetch(`${options.baseUrl ?? ''}/api/canvas/pixels/${x}/${y}`);
      if (mine !== generation) return;
      if (response.ok) {
        const info = (await response.json()) as PublicPixelInfo;
        if (mine === generation) show('shown', heading, describe(info), pixel);
        return;
      }
      const body = (await response.json().catch(() => ({}))) as { error?: string };
      if (response.status === 403 && body.error === 'LOOKUP_DISABLED') {
        setEnabled(false);
        message = 'Seeing who placed a pixel is turned off on this canvas.';
      } else if (response.status === 429) {
        const wait = Number(response.headers.get('retry-after'));
        message = `Too many lookups. Try again in ${Number.isFinite(wait) && wait > 0 ? `${wait} s` : 'a moment'}.`;
      } else if (response.status === 400) message = 'That is not a pixel of this canvas.';
      else if (response.status === 404) message = 'This canvas cannot tell who placed a pixel.';
      else message = 'The lookup failed. Try again in a moment.';
    } catch {
      message = 'The lookup failed: no connection.';
    }
    if (mine === generation) show('error', heading, message, pixel);
  }

  function setEnabled(on: boolean): void {
    enabled = on;
    toggle.hidden = !on;
    if (!on) {
      setInspectMode(false);
      hide();
    }
  }

  function cancelLongPress(): void {
    if (longPress) clearTimeout(longPress.timer);
    longPress = undefined;
  }

  function local(event: PointerEvent): { x: number; y: number } {
    const rect = board.getBoundingClientRect();
    return { x: event.clientX - rect.left, y: event.clientY - rect.top };
  }

  // Only watching here: the board's own input (pan, pinch, tap) runs as before, and asks takeTap.
  board.addEventListener('pointerdown', (event) => {
    cancelLongPress();
    if (!event.isPrimary) return; // a second finger: a pinch, not a press
    pressInspects = enabled && event.pointerType === 'mouse' && (event.shiftKey || event.altKey) ? 'modifier' : undefined;
    if (!enabled || event.pointerType === 'mouse') return;
    const start = local(event);
    longPress = {
      pointerId: event.pointerId,
      x: start.x,
      y: start.y,
      timer: setTimeout(() => {
        longPress = undefined;
        pressInspects = 'long-press'; // the finger lifting now must not place
        const pixel = options.pixelAt(start.x, start.y);
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- Safari has no vibrate
        navigator.vibrate?.(10);
        void lookUp(pixel.x, pixel.y);
      }, longPressMs),
    };
  });
  board.addEventListener('pointermove', (event) => {
    if (longPress?.pointerId !== event.pointerId) return;
    const p = local(event);
    if (Math.hypot(p.x - longPress.x, p.y - longPress.y) > slop) cancelLongPress();
  });
  for (const type of ['pointerup', 'pointercancel'] as const) board.addEventListener(type, cancelLongPress);

  board.addEventListener('keydown', (event) => {
    if (event.altKey || event.metaKey || event.ctrlKey || !enabled) return;
    if (event.key === 'i' || event.key === 'I') {
      event.preventDefault();
      const pixel = options.cursor();
      void lookUp(pixel.x, pixel.y);
    } else if (event.key === 'Escape' && !card.hidden) {
      hide();
    }
  });
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && !card.hidden && event.target !== board) hide();
  });
  toggle.addEventListener('click', () => setInspectMode(!inspectMode));
  close.addEventListener('click', () => {
    hide();
    board.focus({ preventScroll: true });
  });
  setInspectMode(false);

  return {
    get inspectMode() {
      return inspectMode;
    },
    takeTap(x, y) {
      if (!enabled) return false;
      const how = pressInspects;
      pressInspects = undefined;
      if (how === 'long-press') return true; // looked up when the hold was long enough
      if (!inspectMode && how !== 'modifier') return false;
      void lookUp(x, y);
      return true;
    },
    inspect(x, y) {
      if (enabled) void lookUp(x, y);
    },
    setConfig(config) {
      setEnabled(config.ownerLookup !== OwnerLookup.Off); // absent means names
    },
    close: hide,
  };
}

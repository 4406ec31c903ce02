import type { Rect } from '@tessera/protocol';
import type { View } from '../view.js';

/**
 * Selecting a rectangle of board pixels by dragging on the admin canvas: always with Shift held
 * (mouse), and with any pointer (mouse, pen, one finger) while select mode is on. A gesture it
 * claims never reaches the pan/zoom input, so it must be attached before `attachInput`.
 * The selection is drawn as a box element over the canvas, following pan and zoom.
 */
export interface RectangleSelect {
  readonly selection: Rect | undefined;
  /** Shows (or clears) a selection, e.g. one typed into the form. */
  setSelection(rect: Rect | undefined): void;
  /** Select mode: a drag selects instead of panning. */
  selectMode: boolean;
  /** The box must follow a resized board or a moved view. */
  refresh(): void;
}

export interface RectangleSelectOptions {
  readonly canvas: HTMLCanvasElement;
  readonly view: View;
  /** An element positioned over the canvas (same offset parent), shown around the selection. */
  readonly box: HTMLElement;
  readonly boardSize: () => { width: number; height: number };
  /** A drag finished: the rectangle, clamped to the board (at least one pixel); undefined when Escape dropped it. */
  readonly onSelect: (rect: Rect | undefined) => void;
}

/** The rectangle between two board points, both pixels included, clamped to the board; undefined when off it. */
export function rectBetween(a: { x: number; y: number }, b: { x: number; y: number }, board: { width: number; height: number }): Rect | undefined {
  const clampX = (v: number) => Math.min(board.width - 1, Math.max(0, Math.floor(v)));
  const clampY = (v: number) => Math.min(board.height - 1, Math.max(0, Math.floor(v)));
  if (board.width <= 0 || board.height <= 0) return undefined;
  const x0 = clampX(Math.min(a.x, b.x));
  const x1 = clampX(Math.max(a.x, b.x));
  const y0 = clampY(Math.min(a.y, b.y));
  const y1 = clampY(Math.max(a.y, b.y));
  return { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

export function attachRectangleSelect(options: RectangleSelectOptions): RectangleSelect {
  const { canvas, view, box } = options;
  let selection: Rect | undefined;
  let selectMode = false;
  /** The pointer whose drag is selecting, and the board point it started at. */
  let dragging: { pointerId: number; start: { x: number; y: number } } | undefined;

  function boardPoint(event: PointerEvent): { x: number; y: number } {
    const rect = canvas.getBoundingClientRect();
    return view.screenToBoard(event.clientX - rect.left, event.clientY - rect.top);
  }

  function draw(): void {
    if (!selection) {
      box.hidden = true;
      return;
    }
    const topLeft = view.boardToScreen(selection.x, selection.y);
    const bottomRight = view.boardToScreen(selection.x + selection.width, selection.y + selection.height);
    box.hidden = false;
    box.style.left = `${canvas.offsetLeft + topLeft.x}px`;
    box.style.top = `${canvas.offsetTop + topLeft.y}px`;
    box.style.width = `${Math.max(1, bottomRight.x - topLeft.x)}px`;
    box.style.height = `${Math.max(1, bottomRight.y - topLeft.y)}px`;
    box.dataset.rect = `${selection.x},${selection.y},${selection.width},${selection.height}`;
  }

  function claim(event: PointerEvent): void {
    // Listeners on the same element run in order: this one was attached first.
    event.stopImmediatePropagation();
    event.preventDefault();
  }

  canvas.addEventListener('pointerdown', (event) => {
    if (dragging) {
      // A second finger: let the pinch through, drop the half-drawn box.
      dragging = undefined;
      draw();
      return;
    }
    const wanted = event.pointerType === 'mouse' ? event.button === 0 && (selectMode || event.shiftKey) : selectMode;
    if (!wanted) return;
    claim(event);
    const start = boardPoint(event);
    dragging = { pointerId: event.pointerId, start };
    try {
      canvas.setPointerCapture(event.pointerId);
    } catch {
      // not tracked any more: the drag still works over the canvas
    }
    selection = rectBetween(start, start, options.boardSize());
    draw();
  });

  canvas.addEventListener('pointermove', (event) => {
    if (dragging?.pointerId !== event.pointerId) return;
    claim(event);
    selection = rectBetween(dragging.start, boardPoint(event), options.boardSize());
    draw();
  });

  function finish(event: PointerEvent, cancelled: boolean): void {
    if (dragging?.pointerId !== event.pointerId) return;
    claim(event);
    const start = dragging.start;
    dragging = undefined;
    if (cancelled) {
      draw();
      return;
    }
    selection = rectBetween(start, boardPoint(event), options.boardSize());
    draw();
    if (selection) options.onSelect(selection);
  }
  canvas.addEventListener('pointerup', (event) => finish(event, false));
  canvas.addEventListener('pointercancel', (event) => finish(event, true));

  // Escape on the focused canvas drops a selection (and one being drawn); the form keeps what it holds.
  canvas.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape' || (!selection && !dragging)) return;
    dragging = undefined;
    selection = undefined;
    draw();
    options.onSelect(undefined);
  });
  view.subscribe(draw);

  return {
    get selection() {
      return selection;
    },
    setSelection(rect) {
      selection = rect;
      draw();
    },
    get selectMode() {
      return selectMode;
    },
    set selectMode(on: boolean) {
      selectMode = on;
      canvas.dataset.mode = on ? 'select' : 'pan';
    },
    refresh: draw,
  };
}

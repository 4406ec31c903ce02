import type { View } from './view.js';

export interface InputHandlers {
  /** A tap or click that did not turn into a pan: (sx, sy) in CSS px inside the canvas. */
  onTap(sx: number, sy: number): void;
  /** A mouse hovering over the canvas (undefined when it leaves or a touch begins). */
  onHover(sx: number, sy: number): void;
  onHoverEnd(): void;
  /** Enter or Space on the focused canvas: place at the keyboard cursor (the view centre). */
  onPlaceKey(): void;
  /** Keyboard focus on the canvas came or went: show or hide the cursor. */
  onKeyboardFocus(focused: boolean): void;
}

export interface InputOptions {
  /** Movement in CSS px after which a press is a pan, not a tap (default 6 for a mouse, 12 for touch). */
  readonly mouseSlopPx?: number;
  readonly touchSlopPx?: number;
}

const DEFAULTS = { mouseSlopPx: 6, touchSlopPx: 12 } as const;

interface Pointer {
  x: number;
  y: number;
  readonly startX: number;
  readonly startY: number;
}

/**
 * Pointer, wheel and keyboard input on the board: drag to pan, wheel or pinch to zoom around the
 * pointer, tap to place. A press that moved past the slop, or a gesture that ever had two
 * fingers, never places a pixel.
 */
export function attachInput(canvas: HTMLCanvasElement, view: View, handlers: InputHandlers, options: InputOptions = {}): void {
  const mouseSlop = options.mouseSlopPx ?? DEFAULTS.mouseSlopPx;
  const touchSlop = options.touchSlopPx ?? DEFAULTS.touchSlopPx;
  const pointers = new Map<number, Pointer>();
  /** The current gesture moved too far, or had a second finger: it must not end in a tap. */
  let gestureIsPan = false;

  function local(event: { clientX: number; clientY: number }): { x: number; y: number } {
    const rect = canvas.getBoundingClientRect();
    return { x: event.clientX - rect.left, y: event.clientY - rect.top };
  }

  function pinchGeometry(): { cx: number; cy: number; distance: number } | undefined {
    const [a, b] = [...pointers.values()];
    if (!a || !b) return undefined;
    return { cx: (a.x + b.x) / 2, cy: (a.y + b.y) / 2, distance: Math.hypot(a.x - b.x, a.y - b.y) };
  }

  canvas.addEventListener('pointerdown', (event) => {
    if (event.pointerType === 'mouse' && event.button !== 0 && event.button !== 1 && event.button !== 2) return;
    const p = local(event);
    if (pointers.size === 0) gestureIsPan = event.pointerType === 'mouse' && event.button !== 0; // middle/right drag only pans
    pointers.set(event.pointerId, { x: p.x, y: p.y, startX: p.x, startY: p.y });
    if (pointers.size > 1) gestureIsPan = true;
    try {
      canvas.setPointerCapture(event.pointerId); // keep the drag when the pointer leaves the canvas
    } catch {
      // a pointer the browser no longer tracks: the gesture still works while over the canvas
    }
    if (event.pointerType !== 'mouse') handlers.onHoverEnd();
    if (event.button === 1) event.preventDefault(); // no autoscroll
  });

  canvas.addEventListener('pointermove', (event) => {
    const p = local(event);
    const pointer = pointers.get(event.pointerId);
    if (!pointer) {
      if (event.pointerType === 'mouse') handlers.onHover(p.x, p.y);
      return;
    }
    if (pointers.size >= 2) {
      const before = pinchGeometry();
      pointer.x = p.x;
      pointer.y = p.y;
      const after = pinchGeometry();
      if (before && after && before.distance > 0) {
        view.zoomAt(after.distance / before.distance, before.cx, before.cy);
        view.panBy(after.cx - before.cx, after.cy - before.cy);
      }
      return;
    }
    const slop = event.pointerType === 'mouse' ? mouseSlop : touchSlop;
    if (!gestureIsPan && Math.hypot(p.x - pointer.startX, p.y - pointer.startY) > slop) {
      gestureIsPan = true;
      // Pan from where the press started, so the slop does not make the board jump.
      view.panBy(p.x - pointer.startX, p.y - pointer.startY);
    } else if (gestureIsPan) {
      view.panBy(p.x - pointer.x, p.y - pointer.y);
    }
    pointer.x = p.x;
    pointer.y = p.y;
    if (event.pointerType === 'mouse') handlers.onHover(p.x, p.y);
  });

  function release(event: PointerEvent, cancelled: boolean): void {
    const pointer = pointers.get(event.pointerId);
    if (!pointer) return;
    pointers.delete(event.pointerId);
    const wasTap = !cancelled && !gestureIsPan && pointers.size === 0;
    if (wasTap) handlers.onTap(pointer.x, pointer.y);
  }
  canvas.addEventListener('pointerup', (event) => release(event, false));
  canvas.addEventListener('pointercancel', (event) => release(event, true));
  canvas.addEventListener('pointerleave', (event) => {
    if (event.pointerType === 'mouse' && !pointers.has(event.pointerId)) handlers.onHoverEnd();
  });
  canvas.addEventListener('contextmenu', (event) => event.preventDefault());

  canvas.addEventListener(
    'wheel',
    (event) => {
      event.preventDefault();
      const p = local(event);
      const unit = event.deltaMode === 1 ? 16 : event.deltaMode === 2 ? view.viewportHeight : 1;
      const dy = event.deltaY * unit;
      // ctrlKey marks a trackpad pinch: small deltas, so it needs a stronger response.
      const factor = Math.exp(-dy * (event.ctrlKey ? 0.01 : 0.0015));
      view.zoomAt(Math.min(2, Math.max(0.5, factor)), p.x, p.y);
      if (!event.ctrlKey && event.deltaX !== 0) view.panBy(-event.deltaX * unit, 0);
    },
    { passive: false },
  );

  // Safari's own pinch-zoom of the page, which touch-action alone does not always stop.
  for (const type of ['gesturestart', 'gesturechange']) canvas.addEventListener(type, (event) => event.preventDefault());

  canvas.addEventListener('keydown', (event) => {
    if (event.altKey || event.metaKey || event.ctrlKey) return;
    // Zoomed in, one board pixel per press (the cursor is for placing); zoomed out, ~32 CSS px.
    const step = (view.zoom >= 8 ? 1 : Math.round(32 / view.zoom)) * (event.shiftKey ? 8 : 1);
    const centreX = view.viewportWidth / 2;
    const centreY = view.viewportHeight / 2;
    let handled = true;
    switch (event.key) {
      case 'ArrowLeft':
        view.centreOn(Math.floor(view.x) - step + 0.5, view.y);
        break;
      case 'ArrowRight':
        view.centreOn(Math.floor(view.x) + step + 0.5, view.y);
        break;
      case 'ArrowUp':
        view.centreOn(view.x, Math.floor(view.y) - step + 0.5);
        break;
      case 'ArrowDown':
        view.centreOn(view.x, Math.floor(view.y) + step + 0.5);
        break;
      case '+':
      case '=':
        view.zoomAt(1.5, centreX, centreY);
        break;
      case '-':
      case '_':
        view.zoomAt(1 / 1.5, centreX, centreY);
        break;
      case 'Enter':
      case ' ':
        handlers.onPlaceKey();
        break;
      default:
        handled = false;
    }
    if (handled) {
      event.preventDefault();
      handlers.onKeyboardFocus(true); // a mouse user who reaches for the keys gets the cursor too
    }
  });
  canvas.addEventListener('focus', () => handlers.onKeyboardFocus(canvas.matches(':focus-visible')));
  canvas.addEventListener('blur', () => handlers.onKeyboardFocus(false));
}

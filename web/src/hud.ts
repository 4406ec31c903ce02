import type { View } from './view.js';

export interface Hud {
  /** The board pixel under the pointer, or undefined to show the one at the centre. */
  setPointer(pixel: { x: number; y: number } | undefined): void;
}

/** The coordinate readout: which pixel you point at, and the zoom. */
export function createHud(element: HTMLElement, view: View, boardSize: () => { width: number; height: number }): Hud {
  let pointer: { x: number; y: number } | undefined;

  function render(): void {
    const { width, height } = boardSize();
    element.hidden = width === 0;
    if (width === 0) return;
    const x = pointer?.x ?? Math.floor(view.x);
    const y = pointer?.y ?? Math.floor(view.y);
    const inside = x >= 0 && y >= 0 && x < width && y < height;
    const zoom = view.zoom >= 10 ? Math.round(view.zoom) : Number(view.zoom.toFixed(view.zoom >= 1 ? 1 : 2));
    element.textContent = `${inside ? `${x}, ${y}` : '—'}  ×${zoom}`;
  }

  view.subscribe(render);
  render();
  return {
    setPointer(pixel) {
      pointer = pixel;
      render();
    },
  };
}

import type { Rect } from '@tessera/protocol';
import { createAdminCanvas, type AdminCanvas } from './admin-canvas.js';

/**
 * The "Live canvas" card of the admin page: the canvas, its toolbar (select mode, zoom), and the
 * two-way link between the selection on the canvas and the typed rectangle of the rollback form,
 * so a drawn rectangle fills the form and a typed one shows on the canvas.
 */
export interface CanvasSection {
  readonly canvas: AdminCanvas;
}

export interface CanvasSectionOptions {
  /** A pixel was clicked, tapped, or picked with Enter. */
  readonly onPick: (x: number, y: number) => void;
}

function element<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`admin.html lacks #${id}`);
  return found as T;
}

const RECT_FIELDS = ['x', 'y', 'width', 'height'] as const;

export function createCanvasSection(options: CanvasSectionOptions): CanvasSection {
  const form = element<HTMLFormElement>('erase-form');
  const field = (name: (typeof RECT_FIELDS)[number]) => form.elements.namedItem(name) as HTMLInputElement;
  const summary = element('selection-summary');

  function describe(rect: Rect | undefined): void {
    summary.textContent = rect ? `Selected ${rect.width} × ${rect.height} at (${rect.x}, ${rect.y}): roll it back below.` : 'Nothing selected.';
  }

  const canvas = createAdminCanvas({
    board: element<HTMLCanvasElement>('admin-board'),
    selectionBox: element('selection-box'),
    coords: element('admin-coords'),
    onPick: (x, y) => {
      canvas.setPicked({ x, y });
      options.onPick(x, y);
    },
    onSelect: (rect) => {
      if (rect) for (const name of RECT_FIELDS) field(name).value = String(rect[name]);
      describe(rect);
    },
  });

  // A typed rectangle shows on the canvas as soon as it is whole and valid.
  form.addEventListener('input', () => {
    const values = RECT_FIELDS.map((name) => field(name).valueAsNumber);
    const [x, y, width, height] = values;
    const whole = values.every((value) => Number.isInteger(value)) && x! >= 0 && y! >= 0 && width! >= 1 && height! >= 1;
    const rect = whole ? { x: x!, y: y!, width: width!, height: height! } : undefined;
    canvas.select.setSelection(rect);
    describe(rect);
  });

  const toggle = element<HTMLButtonElement>('select-mode');
  toggle.addEventListener('click', () => {
    canvas.select.selectMode = !canvas.select.selectMode;
    toggle.setAttribute('aria-pressed', String(canvas.select.selectMode));
  });
  const { view } = canvas;
  const zoomStep = 1.6;
  element('admin-zoom-in').addEventListener('click', () => view.zoomAt(zoomStep, view.viewportWidth / 2, view.viewportHeight / 2));
  element('admin-zoom-out').addEventListener('click', () => view.zoomAt(1 / zoomStep, view.viewportWidth / 2, view.viewportHeight / 2));
  element('admin-zoom-fit').addEventListener('click', () => view.fit());
  describe(undefined);
  return { canvas };
}

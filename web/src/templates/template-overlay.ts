import { CHUNK_SIZE, parseHexColor, type CanvasReplica, type ReplicaChange } from '@tessera/protocol';
import { NO_PIXEL } from './palette-snap.js';

/** A template on the board: palette indices (NO_PIXEL where the image is transparent). */
export interface BoardTemplate {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly indices: Int16Array;
}

/** An image the renderer draws over the board at (x, y), `width`×`height` board pixels. */
export interface BoardLayer {
  readonly image: CanvasImageSource;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface TemplateOverlay {
  set(template: BoardTemplate | undefined): void;
  readonly template: BoardTemplate | undefined;
  /** 0..1; 0 hides it. */
  setOpacity(opacity: number): void;
  readonly opacity: number;
  /** Template pixels on the board whose colour the canvas does not show yet. */
  readonly differing: number;
  /** The differing pixels as sorted `x,y` strings (for tests and the count). */
  differingPixels(): string[];
  onReplicaChange(change: ReplicaChange): void;
  /** Re-colours after a palette change (indices stay). */
  onPalette(palette: readonly string[]): void;
  layer(): BoardLayer | undefined;
  /** Called when the count of differing pixels changes. */
  onDiffering?: (count: number) => void;
}

/** Each template pixel is drawn as 3×3 cells so a pixel still to place can carry a solid centre dot. */
const CELL = 3;

/**
 * The template drawn translucent over the board. Where the canvas already matches, the
 * translucent colour lies on the same colour and vanishes; where it differs, the colour shows
 * with a solid dot in the middle. Kept up to date pixel by pixel as deltas land.
 */
export function createTemplateOverlay(deps: { replica: CanvasReplica; invalidate: () => void }): TemplateOverlay {
  const { replica } = deps;
  let template: BoardTemplate | undefined;
  let opacity = 0.6;
  let colors: [number, number, number][] = [];
  let differ = new Uint8Array(0);
  let differing = 0;
  let canvas: HTMLCanvasElement | undefined;
  let context: CanvasRenderingContext2D | undefined;
  let image: ImageData | undefined;
  let dirty = false;

  function colorAt(i: number): number {
    if (!template) return NO_PIXEL;
    const x = template.x + (i % template.width);
    const y = template.y + Math.floor(i / template.width);
    if (x >= replica.width || y >= replica.height) return NO_PIXEL; // off the board: nothing to place
    return replica.colorAt(x, y);
  }

  function paintCell(i: number): void {
    if (!template || !image) return;
    const wanted = template.indices[i]!;
    const onBoard = wanted === NO_PIXEL ? NO_PIXEL : colorAt(i);
    const was = differ[i]!;
    const now = wanted !== NO_PIXEL && onBoard !== NO_PIXEL && onBoard !== wanted ? 1 : 0;
    differ[i] = now;
    differing += now - was;
    const [r, g, b] = colors[wanted] ?? [0, 0, 0];
    const alpha = wanted === NO_PIXEL || onBoard === NO_PIXEL ? 0 : Math.round(opacity * 255);
    const rowWidth = template.width * CELL;
    const cx = (i % template.width) * CELL;
    const cy = Math.floor(i / template.width) * CELL;
    for (let dy = 0; dy < CELL; dy++) {
      for (let dx = 0; dx < CELL; dx++) {
        const o = ((cy + dy) * rowWidth + cx + dx) * 4;
        const centre = dx === 1 && dy === 1;
        image.data[o] = r;
        image.data[o + 1] = g;
        image.data[o + 2] = b;
        image.data[o + 3] = centre && now && alpha > 0 ? 255 : alpha;
      }
    }
    dirty = true;
  }

  function repaintAll(): void {
    if (!template) return;
    const before = differing;
    for (let i = 0; i < template.indices.length; i++) paintCell(i);
    if (differing !== before) overlay.onDiffering?.(differing);
    deps.invalidate();
  }

  const overlay: TemplateOverlay = {
    set(next) {
      template = next;
      differing = 0;
      differ = new Uint8Array(next ? next.indices.length : 0);
      if (next) {
        canvas = document.createElement('canvas');
        canvas.width = next.width * CELL;
        canvas.height = next.height * CELL;
        context = canvas.getContext('2d') ?? undefined;
        image = context?.createImageData(canvas.width, canvas.height);
        repaintAll();
      } else {
        canvas = undefined;
        context = undefined;
        image = undefined;
        deps.invalidate();
      }
      overlay.onDiffering?.(differing);
    },
    get template() {
      return template;
    },
    setOpacity(next) {
      opacity = Math.min(1, Math.max(0, next));
      repaintAll();
      deps.invalidate();
    },
    get opacity() {
      return opacity;
    },
    get differing() {
      return differing;
    },
    differingPixels() {
      const out: string[] = [];
      if (!template) return out;
      for (let i = 0; i < differ.length; i++) if (differ[i]) out.push(`${template.x + (i % template.width)},${template.y + Math.floor(i / template.width)}`);
      return out.sort();
    },
    onReplicaChange(change) {
      if (!template) return;
      if (change.kind !== 'pixels') {
        repaintAll();
        return;
      }
      const before = differing;
      const { x: tx, y: ty, width, height } = template;
      for (const { cx, cy, offsets } of change.chunks) {
        for (const offset of offsets) {
          const x = cx * CHUNK_SIZE + (offset % CHUNK_SIZE) - tx;
          const y = cy * CHUNK_SIZE + Math.floor(offset / CHUNK_SIZE) - ty;
          if (x >= 0 && y >= 0 && x < width && y < height) paintCell(y * width + x);
        }
      }
      if (differing !== before) overlay.onDiffering?.(differing);
      if (dirty) deps.invalidate();
    },
    onPalette(palette) {
      colors = palette.map(parseHexColor);
      repaintAll();
    },
    layer() {
      if (!template || !canvas || !context || !image || opacity === 0) return undefined;
      if (dirty) {
        context.putImageData(image, 0, 0);
        dirty = false;
      }
      return { image: canvas, x: template.x, y: template.y, width: template.width, height: template.height };
    },
  };
  return overlay;
}

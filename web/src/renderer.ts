import { CHUNK_SIZE, parseHexColor, type CanvasReplica, type ReplicaChange } from '@tessera/protocol';
import type { View } from './view.js';

export interface OverlayPixel {
  readonly x: number;
  readonly y: number;
  readonly color: number;
}

export interface Renderer {
  setPalette(palette: readonly string[]): void;
  onReplicaChange(change: ReplicaChange): void;
  /** Asks for a redraw on the next animation frame (several calls, one draw). */
  invalidate(): void;
  /** The board pixel under a mouse pointer, outlined (undefined: none). */
  setHover(pixel: { x: number; y: number } | undefined): void;
  /** The keyboard cursor, outlined more strongly (undefined: none). */
  setReticle(pixel: { x: number; y: number } | undefined): void;
  /** Device-pixel point in the canvas bitmap at the centre of board pixel (x, y). */
  canvasPointOf(x: number, y: number): { x: number; y: number };
  /** Device pixels per CSS pixel, as the canvas bitmap is actually sized. */
  readonly pixelRatio: number;
}

export interface RendererOptions {
  readonly canvas: HTMLCanvasElement;
  readonly replica: CanvasReplica;
  readonly view: View;
  /** Pixels placed but not yet confirmed by a delta, drawn over the replica. */
  readonly overlay: () => Iterable<OverlayPixel>;
  /** Images drawn over the board below the pending pixels (templates), each at its board rectangle. */
  readonly layers?: () => Iterable<{
    readonly image: CanvasImageSource;
    readonly x: number;
    readonly y: number;
    readonly width: number;
    readonly height: number;
  }>;
  /** Board-pixel size in device pixels from which the grid shows (default 8); it fades in over as much again. */
  readonly gridFromDevicePx?: number;
  /** Chunk tiles kept in memory before unseen ones are dropped (default 256, 64 MiB of RGBA). */
  readonly maxTiles?: number;
  /** Fill outside the board (default a dark grey matching the page). */
  readonly background?: string;
}

const DEFAULTS = { gridFromDevicePx: 8, maxTiles: 256, background: '#16181c' } as const;

/** One chunk as RGBA: the ImageData is the truth, the tile canvas its GPU-side copy for drawImage. */
interface Tile {
  readonly canvas: HTMLCanvasElement;
  readonly context: CanvasRenderingContext2D;
  readonly image: ImageData;
  readonly pixels: Uint32Array;
  /** The palette or the chunk bytes were replaced: rebuild from the replica before drawing. */
  stale: boolean;
  /** Changed rows/columns not yet copied to the tile canvas (x1/y1 exclusive). */
  dirty: { x0: number; y0: number; x1: number; y1: number } | undefined;
  usedInFrame: number;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function packRgba(r: number, g: number, b: number): number {
  return LITTLE_ENDIAN ? ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0 : ((r << 24) | (g << 16) | (b << 8) | 255) >>> 0;
}

/**
 * Draws the board from per-chunk RGBA tiles (only chunks that hold data and are on screen),
 * scaled without smoothing at the screen's real pixel density, with a grid when zoomed in,
 * the optimistic overlay and the pointer outline. Redraws on animation frames, only when dirty.
 */
export function createRenderer(options: RendererOptions): Renderer {
  const { canvas, replica, view } = options;
  const gridFrom = options.gridFromDevicePx ?? DEFAULTS.gridFromDevicePx;
  const maxTiles = options.maxTiles ?? DEFAULTS.maxTiles;
  const background = options.background ?? DEFAULTS.background;
  const context = canvas.getContext('2d', { alpha: false });
  if (!context) throw new Error('2D canvas is not available');
  const ctx = context;

  const tiles = new Map<string, Tile>();
  let lut = new Uint32Array(256).fill(packRgba(255, 255, 255));
  let cssColors: string[] = ['#ffffff'];
  let pixelRatio = window.devicePixelRatio || 1;
  let frameRequested = false;
  let frameNumber = 0;
  let hover: { x: number; y: number } | undefined;
  let reticle: { x: number; y: number } | undefined;

  function invalidate(): void {
    if (frameRequested) return;
    frameRequested = true;
    requestAnimationFrame(draw);
  }

  function createTile(): Tile {
    const tileCanvas = document.createElement('canvas');
    tileCanvas.width = CHUNK_SIZE;
    tileCanvas.height = CHUNK_SIZE;
    const tileContext = tileCanvas.getContext('2d');
    if (!tileContext) throw new Error('2D canvas is not available');
    const image = tileContext.createImageData(CHUNK_SIZE, CHUNK_SIZE);
    return {
      canvas: tileCanvas,
      context: tileContext,
      image,
      pixels: new Uint32Array(image.data.buffer),
      stale: true,
      dirty: undefined,
      usedInFrame: 0,
    };
  }

  /** The tile of a chunk that holds data, brought up to date with the replica. */
  function tileFor(cx: number, cy: number, bytes: Uint8Array): Tile {
    const id = `${cx},${cy}`;
    let tile = tiles.get(id);
    if (!tile) {
      tile = createTile();
      tiles.set(id, tile);
    }
    if (tile.stale) {
      const { pixels } = tile;
      for (let i = 0; i < pixels.length; i++) pixels[i] = lut[bytes[i]!]!;
      tile.stale = false;
      tile.dirty = { x0: 0, y0: 0, x1: CHUNK_SIZE, y1: CHUNK_SIZE };
    }
    if (tile.dirty) {
      const { x0, y0, x1, y1 } = tile.dirty;
      tile.context.putImageData(tile.image, 0, 0, x0, y0, x1 - x0, y1 - y0);
      tile.dirty = undefined;
    }
    tile.usedInFrame = frameNumber;
    return tile;
  }

  function markAllStale(): void {
    for (const tile of tiles.values()) tile.stale = true;
  }

  function evictUnseen(): void {
    if (tiles.size <= maxTiles) return;
    for (const [id, tile] of tiles) if (tile.usedInFrame !== frameNumber) tiles.delete(id);
  }

  function resizeBitmap(deviceWidth: number, deviceHeight: number, cssWidth: number, cssHeight: number): void {
    if (deviceWidth <= 0 || deviceHeight <= 0) return;
    if (canvas.width !== deviceWidth) canvas.width = deviceWidth;
    if (canvas.height !== deviceHeight) canvas.height = deviceHeight;
    pixelRatio = cssWidth > 0 ? deviceWidth / cssWidth : window.devicePixelRatio || 1;
    view.setViewport(cssWidth, cssHeight, pixelRatio);
    invalidate();
  }

  // Exact device pixels where the browser reports them (crisp at any zoom and at 4K), else CSS × DPR.
  const observer = new ResizeObserver((entries) => {
    const entry = entries[entries.length - 1];
    if (!entry) return;
    const css = entry.contentRect;
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- Safari does not report it
    const device = entry.devicePixelContentBoxSize?.[0];
    if (device) resizeBitmap(device.inlineSize, device.blockSize, css.width, css.height);
    else {
      const ratio = window.devicePixelRatio || 1;
      resizeBitmap(Math.round(css.width * ratio), Math.round(css.height * ratio), css.width, css.height);
    }
  });
  try {
    observer.observe(canvas, { box: 'device-pixel-content-box' });
  } catch {
    observer.observe(canvas);
  }

  function draw(): void {
    frameRequested = false;
    frameNumber++;
    const width = canvas.width;
    const height = canvas.height;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = background;
    ctx.fillRect(0, 0, width, height);
    const boardWidth = replica.width;
    const boardHeight = replica.height;
    if (boardWidth === 0 || boardHeight === 0) return;

    const scale = view.zoom * pixelRatio; // device px per board px
    const originX = width / 2 - view.x * scale;
    const originY = height / 2 - view.y * scale;
    // Every edge goes through the same rounding, so neighbouring tiles and grid lines meet without seams.
    const screenX = (bx: number): number => Math.round(originX + bx * scale);
    const screenY = (by: number): number => Math.round(originY + by * scale);

    const left = screenX(0);
    const top = screenY(0);
    const right = screenX(boardWidth);
    const bottom = screenY(boardHeight);
    ctx.save();
    ctx.shadowColor = 'rgba(0, 0, 0, 0.55)';
    ctx.shadowBlur = 24 * pixelRatio;
    ctx.fillStyle = cssColors[0] ?? '#ffffff';
    ctx.fillRect(left, top, right - left, bottom - top);
    ctx.restore();

    // The part of the board on screen, in board pixels (x1/y1 exclusive).
    const vx0 = Math.max(0, Math.floor(-originX / scale));
    const vy0 = Math.max(0, Math.floor(-originY / scale));
    const vx1 = Math.min(boardWidth, Math.ceil((width - originX) / scale));
    const vy1 = Math.min(boardHeight, Math.ceil((height - originY) / scale));
    if (vx0 >= vx1 || vy0 >= vy1) return;

    // Magnified: hard pixel edges. Shrunk: averaged, or fine patterns turn into moiré.
    ctx.imageSmoothingEnabled = scale < 1;
    ctx.imageSmoothingQuality = 'high';
    for (let cy = Math.floor(vy0 / CHUNK_SIZE); cy <= Math.floor((vy1 - 1) / CHUNK_SIZE); cy++) {
      for (let cx = Math.floor(vx0 / CHUNK_SIZE); cx <= Math.floor((vx1 - 1) / CHUNK_SIZE); cx++) {
        const bytes = replica.chunkBytes(cx, cy);
        if (!bytes) continue; // all background, already filled
        const tile = tileFor(cx, cy, bytes);
        const tx = cx * CHUNK_SIZE;
        const ty = cy * CHUNK_SIZE;
        // Only the visible part of the tile: at high zoom a whole tile would be tens of thousands of px.
        const sx0 = Math.max(vx0, tx) - tx;
        const sy0 = Math.max(vy0, ty) - ty;
        const sx1 = Math.min(vx1, tx + CHUNK_SIZE) - tx;
        const sy1 = Math.min(vy1, ty + CHUNK_SIZE) - ty;
        if (sx1 <= sx0 || sy1 <= sy0) continue;
        const dx0 = screenX(tx + sx0);
        const dy0 = screenY(ty + sy0);
        ctx.drawImage(tile.canvas, sx0, sy0, sx1 - sx0, sy1 - sy0, dx0, dy0, screenX(tx + sx1) - dx0, screenY(ty + sy1) - dy0);
      }
    }

    ctx.imageSmoothingEnabled = false;
    for (const layer of options.layers?.() ?? []) {
      const lx = screenX(layer.x);
      const ly = screenY(layer.y);
      ctx.drawImage(layer.image, lx, ly, screenX(layer.x + layer.width) - lx, screenY(layer.y + layer.height) - ly);
    }

    for (const pixel of options.overlay()) {
      if (pixel.x < vx0 || pixel.x >= vx1 || pixel.y < vy0 || pixel.y >= vy1) continue;
      ctx.fillStyle = cssColors[pixel.color] ?? cssColors[0] ?? '#ffffff';
      const px = screenX(pixel.x);
      const py = screenY(pixel.y);
      ctx.fillRect(px, py, screenX(pixel.x + 1) - px, screenY(pixel.y + 1) - py);
    }

    if (scale >= gridFrom) {
      const alpha = Math.min(1, (scale - gridFrom) / gridFrom) * 0.35;
      ctx.fillStyle = `rgba(120, 120, 120, ${alpha.toFixed(3)})`;
      const line = Math.max(1, Math.round(pixelRatio / 2));
      const gx0 = screenX(vx0);
      const gy0 = screenY(vy0);
      const gx1 = screenX(vx1);
      const gy1 = screenY(vy1);
      for (let bx = vx0; bx <= vx1; bx++) ctx.fillRect(screenX(bx), gy0, line, gy1 - gy0);
      for (let by = vy0; by <= vy1; by++) ctx.fillRect(gx0, screenY(by), gx1 - gx0, line);
    }

    if (hover && scale >= 3) outline(hover, 1, screenX, screenY);
    if (reticle) outline(reticle, 2, screenX, screenY);
    evictUnseen();
  }

  /** A dark and a light ring, visible on any colour. */
  function outline(pixel: { x: number; y: number }, weight: number, screenX: (x: number) => number, screenY: (y: number) => number): void {
    const x0 = screenX(pixel.x);
    const y0 = screenY(pixel.y);
    const size = Math.max(screenX(pixel.x + 1) - x0, 3);
    const w = Math.max(1, Math.round(weight * pixelRatio));
    ctx.lineWidth = w;
    ctx.strokeStyle = 'rgba(0, 0, 0, 0.85)';
    ctx.strokeRect(x0 - w * 1.5, y0 - w * 1.5, size + w * 3, size + w * 3);
    ctx.strokeStyle = 'rgba(255, 255, 255, 0.95)';
    ctx.strokeRect(x0 - w * 0.5, y0 - w * 0.5, size + w, size + w);
  }

  view.subscribe(invalidate);

  return {
    get pixelRatio() {
      return pixelRatio;
    },
    invalidate,
    setPalette(palette) {
      cssColors = [...palette];
      const fallback = palette[0] ?? '#ffffff';
      lut = new Uint32Array(256);
      for (let i = 0; i < 256; i++) {
        const [r, g, b] = parseHexColor(palette[i] ?? fallback);
        lut[i] = packRgba(r, g, b);
      }
      markAllStale();
      invalidate();
    },
    onReplicaChange(change) {
      switch (change.kind) {
        case 'pixels':
          for (const { cx, cy, offsets, colors } of change.chunks) {
            const tile = tiles.get(`${cx},${cy}`);
            if (!tile || tile.stale) continue; // rebuilt from the replica when next drawn
            const dirty = tile.dirty ?? { x0: CHUNK_SIZE, y0: CHUNK_SIZE, x1: 0, y1: 0 };
            for (let i = 0; i < offsets.length; i++) {
              const offset = offsets[i]!;
              tile.pixels[offset] = lut[colors[i]!]!;
              const x = offset % CHUNK_SIZE;
              const y = (offset / CHUNK_SIZE) | 0;
              if (x < dirty.x0) dirty.x0 = x;
              if (y < dirty.y0) dirty.y0 = y;
              if (x + 1 > dirty.x1) dirty.x1 = x + 1;
              if (y + 1 > dirty.y1) dirty.y1 = y + 1;
            }
            tile.dirty = dirty;
          }
          break;
        case 'chunk': {
          const tile = tiles.get(`${change.cx},${change.cy}`);
          if (tile) tile.stale = true;
          break;
        }
        case 'all':
          markAllStale();
          break;
      }
      invalidate();
    },
    setHover(pixel) {
      if (pixel?.x === hover?.x && pixel?.y === hover?.y) return;
      hover = pixel;
      invalidate();
    },
    setReticle(pixel) {
      if (pixel?.x === reticle?.x && pixel?.y === reticle?.y) return;
      reticle = pixel;
      invalidate();
    },
    canvasPointOf(x, y) {
      const scale = view.zoom * pixelRatio;
      return {
        x: Math.floor(canvas.width / 2 + (x + 0.5 - view.x) * scale),
        y: Math.floor(canvas.height / 2 + (y + 0.5 - view.y) * scale),
      };
    },
  };
}

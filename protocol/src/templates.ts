/**
 * Templates (overlays): an image a player draws from, shown translucent over the board. Players
 * share one as a link (`#template=<image url>&tx=<left>&ty=<top>&ts=<scale>`); admins pin
 * official ones that every player can toggle.
 */
export interface TemplatePlacement {
  /** The image: an absolute http(s) URL the browser can fetch (the host must allow CORS). */
  readonly url: string;
  /** Board pixel of the template's top-left corner. */
  readonly x: number;
  readonly y: number;
  /**
   * Board pixels per image pixel: 1 for pixel art drawn 1:1, 0.1 for art drawn at 10× (each
   * 10×10 block becomes one board pixel), 2 to double each pixel.
   */
  readonly scale: number;
}

export interface OfficialTemplate extends TemplatePlacement {
  /** Stable id (`[a-z0-9-]`, the admin API's path parameter). */
  readonly id: string;
  /** Shown to players next to the toggle. */
  readonly name: string;
}

export const TEMPLATE_LIMITS = {
  /** Official templates one canvas may pin. */
  maxOfficial: 16,
  maxNameLength: 80,
  maxUrlLength: 2048,
  /** Largest image file a browser downloads for a template. */
  maxImageBytes: 4 * 1024 * 1024,
  /** Largest image side a browser decodes (2048² RGBA is 16 MiB). */
  maxImageSide: 2048,
  /** Largest template side on the board, after scaling (512² pixels to compare per change). */
  maxBoardSide: 512,
  minScale: 1 / 64,
  maxScale: 16,
} as const;

const HTTP_URL = /^https?:\/\/[^\s/?#]+[^\s]*$/i;
const TEMPLATE_ID = /^[a-z0-9][a-z0-9-]{0,39}$/;

export function isTemplateId(value: string): boolean {
  return TEMPLATE_ID.test(value);
}

/** The reason a template image URL is unusable, or undefined when it is fine. */
export function templateUrlProblem(url: unknown): string | undefined {
  if (typeof url !== 'string' || url.length === 0) return 'must be a URL';
  if (url.length > TEMPLATE_LIMITS.maxUrlLength) return `must be at most ${TEMPLATE_LIMITS.maxUrlLength} characters`;
  // No URL class here (the package has no DOM or Node types): the browser parses it for real.
  if (!HTTP_URL.test(url)) return 'must be an absolute http(s) URL without spaces';
  return undefined;
}

/** The reason a scale is unusable, or undefined. */
export function templateScaleProblem(scale: unknown): string | undefined {
  if (typeof scale !== 'number' || !Number.isFinite(scale)) return 'must be a number';
  if (scale < TEMPLATE_LIMITS.minScale || scale > TEMPLATE_LIMITS.maxScale) return `must be ${TEMPLATE_LIMITS.minScale} to ${TEMPLATE_LIMITS.maxScale}`;
  return undefined;
}

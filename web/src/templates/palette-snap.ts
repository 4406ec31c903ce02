import { parseHexColor } from '@tessera/protocol';

/** Template pixel that is not part of the template (transparent in the image). */
export const NO_PIXEL = -1;

/**
 * Each pixel of an RGBA image as the nearest palette index ("redmean" distance, close to how
 * people see colour), or NO_PIXEL where the image is mostly transparent.
 */
export function snapToPalette(rgba: Uint8ClampedArray, palette: readonly string[]): Int16Array {
  const colors = palette.map(parseHexColor);
  const out = new Int16Array(rgba.length / 4);
  const memo = new Map<number, number>(); // art uses few colours: each is matched once
  for (let i = 0; i < out.length; i++) {
    const o = i * 4;
    if (rgba[o + 3]! < 128) {
      out[i] = NO_PIXEL;
      continue;
    }
    const r = rgba[o]!;
    const g = rgba[o + 1]!;
    const b = rgba[o + 2]!;
    const key = (r << 16) | (g << 8) | b;
    let best = memo.get(key);
    if (best === undefined) {
      best = 0;
      let bestDistance = Infinity;
      colors.forEach(([pr, pg, pb], index) => {
        const mean = (r + pr) / 2;
        const dr = r - pr;
        const dg = g - pg;
        const db = b - pb;
        const distance = (2 + mean / 256) * dr * dr + 4 * dg * dg + (2 + (255 - mean) / 256) * db * db;
        if (distance < bestDistance) {
          bestDistance = distance;
          best = index;
        }
      });
      memo.set(key, best);
    }
    out[i] = best;
  }
  return out;
}

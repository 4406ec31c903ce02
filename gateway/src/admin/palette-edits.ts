import { LIMITS, type RecolorRequest, type RemoveColorsRequest } from '@tessera/protocol';
import type { Invalid } from './admin-validation.js';

export type Edit<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly invalid: Invalid };

/** Checks that go beyond the schema: indices against the palette as it is now. */
export function recolor(palette: readonly string[], request: RecolorRequest): Edit<string[]> {
  const next = [...palette];
  const seen = new Set<number>();
  for (const [i, { index, color }] of request.colors.entries()) {
    if (index >= palette.length) return invalid(`colors.${i}.index`, `must be below the palette size ${palette.length}`);
    if (seen.has(index)) return invalid(`colors.${i}.index`, `repeats index ${index}`);
    seen.add(index);
    next[index] = color;
  }
  return { ok: true, value: next };
}

export function addColors(palette: readonly string[], colors: readonly string[]): Edit<string[]> {
  const next = [...palette, ...colors];
  if (next.length > LIMITS.maxPaletteSize) {
    return invalid('colors', `would make ${next.length} colours; a palette holds at most ${LIMITS.maxPaletteSize}`);
  }
  return { ok: true, value: next };
}

export interface Remap {
  readonly palette: string[];
  /** For every old index, its new index. */
  readonly mapping: number[];
  /** 256 entries: the mapping, with indices the old palette did not have sent to the background. */
  readonly table: Uint8Array;
  /** Indices below it keep their number. */
  readonly firstRemoved: number;
}

/**
 * The new palette and index table for removing colours: the kept colours close up in order, each
 * removed index takes the new index of the colour it maps to.
 */
export function planRemoval(palette: readonly string[], request: RemoveColorsRequest): Edit<Remap> {
  const removed = new Map<number, number>();
  for (const [i, { index, mapTo }] of request.remove.entries()) {
    if (index >= palette.length) return invalid(`remove.${i}.index`, `must be below the palette size ${palette.length}`);
    if (removed.has(index)) return invalid(`remove.${i}.index`, `repeats index ${index}`);
    removed.set(index, mapTo);
  }
  for (const [i, { mapTo }] of request.remove.entries()) {
    if (mapTo >= palette.length) return invalid(`remove.${i}.mapTo`, `must be below the palette size ${palette.length}`);
    if (removed.has(mapTo)) return invalid(`remove.${i}.mapTo`, `maps to index ${mapTo}, which is removed too`);
  }
  const kept = palette.length - removed.size;
  if (kept < LIMITS.minPaletteSize) return invalid('remove', `would leave ${kept} colours; a palette holds at least ${LIMITS.minPaletteSize}`);
  const mapping: number[] = [];
  const next: string[] = [];
  palette.forEach((color, index) => {
    if (removed.has(index)) return;
    mapping[index] = next.length;
    next.push(color);
  });
  for (const [index, mapTo] of removed) mapping[index] = mapping[mapTo]!;
  const table = new Uint8Array(256); // indices beyond the old palette cannot be on the canvas: background
  mapping.forEach((to, from) => (table[from] = to));
  return { ok: true, value: { palette: next, mapping, table, firstRemoved: Math.min(...removed.keys()) } };
}

function invalid(field: string, message: string): { ok: false; invalid: Invalid } {
  return { ok: false, invalid: { field, message } };
}

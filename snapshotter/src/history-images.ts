/**
 * Heatmap and virgin map of a region over a time range, from the exact placement history.
 *
 * Heatmap: an indexed PNG. Index 0 (black) is a pixel nobody placed; indices 1…255 follow the
 * viridis scale (perceptually uniform, readable by the colour-blind) on a log scale of the count,
 * 1 for a single placement and 255 for the busiest pixel. Virgin map: index 0 (white) never
 * placed in the range, index 1 (black) placed at least once. Admins' rollbacks are not player
 * placements and count in neither.
 */
import { interpolateViridis } from 'd3-scale-chromatic';
import { parseHexColor } from '@tessera/protocol';
import { positionBefore, type HistorySource } from './history-replay.js';
import { isAdminUser, type HistoryRegion } from './history-job-types.js';
import { encodeIndexedPng } from './png-writer.js';

type Rgb = readonly [number, number, number];

/** Index 0 and the 255 steps of viridis. */
export const HEATMAP_PALETTE: readonly Rgb[] = [[0, 0, 0], ...Array.from({ length: 255 }, (_, step) => parseHexColor(interpolateViridis(step / 254)) as Rgb)];

export const VIRGIN_PALETTE: readonly Rgb[] = [
  [255, 255, 255],
  [0, 0, 0],
];

/** The heatmap index of a pixel placed `count` times when the busiest was placed `max` times. */
export function heatLevel(count: number, max: number): number {
  if (count <= 0) return 0;
  if (max <= 1) return 255;
  return 1 + Math.round((254 * Math.log(count)) / Math.log(max));
}

export interface PlacementCounts {
  readonly region: HistoryRegion;
  /** Placements per pixel of the region, row by row. */
  readonly counts: Uint32Array;
  readonly events: number;
  readonly gap: boolean;
}

/** Counts players' placements per pixel of `region` with a time in [from, to]. */
export async function countPlacements(
  source: HistorySource,
  range: { from: number; to: number; region: HistoryRegion },
  onProgress?: (fraction: number) => void,
): Promise<PlacementCounts> {
  const { from, to, region } = range;
  const counts = new Uint32Array(region.width * region.height);
  let events = 0;
  let gap = false;
  for await (const batch of source.events(positionBefore(from), to, () => (gap = true))) {
    for (const event of batch) {
      events++;
      if (event.position.ms < from || isAdminUser(event.userId)) continue;
      const column = event.x - region.x;
      const row = event.y - region.y;
      if (column >= 0 && column < region.width && row >= 0 && row < region.height) counts[row * region.width + column]!++;
    }
    const last = batch[batch.length - 1];
    if (last && to > from) onProgress?.(Math.min(0.95, (last.position.ms - from) / (to - from)));
  }
  return { region, counts, events, gap };
}

export function encodeHeatmap({ region, counts }: PlacementCounts): Promise<Uint8Array> {
  let max = 0;
  for (const count of counts) if (count > max) max = count;
  const levels = new Uint8Array(counts.length);
  for (let i = 0; i < counts.length; i++) levels[i] = heatLevel(counts[i]!, max);
  return encodeIndexedPng(region.width, region.height, levels, HEATMAP_PALETTE);
}

export function encodeVirginMap({ region, counts }: PlacementCounts): Promise<Uint8Array> {
  const placed = new Uint8Array(counts.length);
  for (let i = 0; i < counts.length; i++) placed[i] = counts[i]! > 0 ? 1 : 0;
  return encodeIndexedPng(region.width, region.height, placed, VIRGIN_PALETTE);
}

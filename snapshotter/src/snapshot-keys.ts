/**
 * Where things live in the bucket, under `<S3_PREFIX><canvasId>/`:
 *
 *   snapshots/<takenAt>_<position>.tsnap   the binary snapshot
 *   snapshots/<takenAt>_<position>.png     the same canvas as an indexed PNG
 *   history/<first>_<last>.tseg            the placements from first to last (stream ids)
 *   latest.json                            pointer to the newest snapshot (LatestPointer)
 *
 * Times are 13-digit epoch ms and positions `<13-digit ms>-<10-digit seq>`, zero-padded, so the
 * lexical order S3 lists in is time order.
 */
import type { StreamPosition } from '@tessera/protocol';

export const LATEST_KEY = 'latest.json';
export const SNAPSHOTS_DIR = 'snapshots/';
export const HISTORY_DIR = 'history/';

const SNAPSHOT_KEY = /^snapshots\/(\d{13})_(\d{13})-(\d{10})\.tsnap$/;

/** The object under `latest.json`. */
export interface LatestPointer {
  /** Key of the binary snapshot, relative to the canvas folder. */
  readonly key: string;
  readonly pngKey: string;
  /** `ms-seq` */
  readonly position: string;
  /** Epoch ms. */
  readonly takenAt: number;
  readonly width: number;
  readonly height: number;
  readonly configVersion: number;
  /** CRC-32 of config and chunks, to tell an unchanged canvas (see contentCrc). */
  readonly contentCrc: number;
  readonly bytes: number;
  readonly pngBytes: number;
}

/** The folder of one canvas in the bucket: `<prefix><canvasId>/`. */
export function canvasFolder(prefix: string, canvasId: string): string {
  return `${prefix}${canvasId}/`;
}

export function snapshotKey(takenAt: number, position: StreamPosition): string {
  return `${SNAPSHOTS_DIR}${pad(takenAt, 13)}_${positionText(position)}.tsnap`;
}

/** The PNG beside a binary snapshot. */
export function pngKeyOf(key: string): string {
  return key.replace(/\.tsnap$/, '.png');
}

export function historyKey(first: StreamPosition, last: StreamPosition): string {
  return `${HISTORY_DIR}${positionText(first)}_${positionText(last)}.tseg`;
}

/** Parses a binary snapshot key; undefined for anything else (so a restore cannot name arbitrary objects). */
export function parseSnapshotKey(key: string): { takenAt: number; position: StreamPosition } | undefined {
  const match = SNAPSHOT_KEY.exec(key);
  if (!match) return undefined;
  return { takenAt: Number(match[1]), position: { ms: Number(match[2]), seq: Number(match[3]) } };
}

function positionText(position: StreamPosition): string {
  return `${pad(position.ms, 13)}-${pad(position.seq, 10)}`;
}

function pad(value: number, digits: number): string {
  return String(value).padStart(digits, '0');
}

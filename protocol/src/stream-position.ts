/**
 * A position in a canvas's event stream: a Redis stream id `ms-seq`. Every canvas read and
 * every delta carries one, which is how a client knows which deltas its canvas already holds.
 */
export interface StreamPosition {
  readonly ms: number;
  readonly seq: number;
}

export const ZERO_POSITION: StreamPosition = Object.freeze({ ms: 0, seq: 0 });

const ID_PATTERN = /^(\d{1,16})-(\d{1,16})$/;

/** Parses `ms-seq`; returns undefined for anything else (never throws). */
export function parsePosition(id: string): StreamPosition | undefined {
  const match = ID_PATTERN.exec(id);
  if (!match) return undefined;
  const ms = Number(match[1]);
  const seq = Number(match[2]);
  if (!Number.isSafeInteger(ms) || !Number.isSafeInteger(seq) || seq > 0xffff_ffff) return undefined;
  return { ms, seq };
}

export function formatPosition(position: StreamPosition): string {
  return `${position.ms}-${position.seq}`;
}

/** Negative when a is before b, zero when equal, positive when after. */
export function comparePositions(a: StreamPosition, b: StreamPosition): number {
  return a.ms !== b.ms ? a.ms - b.ms : a.seq - b.seq;
}

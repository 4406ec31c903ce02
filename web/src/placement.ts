import { comparePositions, parsePosition, type PlacePayload, type StreamPosition } from '@tessera/protocol';
import type { PlaceOutcome } from './connection.js';
import { formatRemaining } from './cooldown.js';
import { describeError } from './messages.js';
import type { OverlayPixel } from './renderer.js';

export interface Placement {
  /** Places the selected colour at board pixel (x, y) if the rules visible here allow it. */
  placeAt(x: number, y: number): void;
  /** Placements not yet confirmed by a delta: drawn over the replica, never written into it. */
  pending(): Iterable<OverlayPixel>;
  /** The replica moved on: drop the overlay of placements it now includes. */
  onApplied(): void;
  readonly placeCount: number;
  readonly lastResult: PlaceOutcome | undefined;
}

export interface PlacementDeps {
  readonly place: (payload: PlacePayload) => Promise<PlaceOutcome>;
  readonly isLive: () => boolean;
  readonly isPaused: () => boolean;
  readonly boardSize: () => { width: number; height: number };
  readonly selectedColor: () => number;
  /** Position the replica's data reflects (undefined while it has no complete read). */
  readonly appliedThrough: () => StreamPosition | undefined;
  readonly cooldown: { remainingMs(): number; setUntil(serverEpochMs: number): void };
  readonly notify: (text: string, kind?: 'error' | 'info') => void;
  /** The overlay changed: redraw. */
  readonly redraw: () => void;
  /** How long an unconfirmed overlay pixel may stay (default 15 s): a lost delta ends in a refetch anyway. */
  readonly overlayTimeoutMs?: number;
}

interface PendingPixel extends OverlayPixel {
  /** The placement's stream id once acknowledged: the overlay goes when the replica reaches it. */
  eventPosition?: StreamPosition;
  /**
   * Its outcome is unknown (the server lost Redis's answer, or never answered): it stays drawn
   * until deltas tell whether it landed. The first delta applied after the answer may have been
   * built just before the placement ran; the second was built after, so it holds the truth.
   */
  unknown?: { through: StreamPosition | undefined; advances: number };
  readonly timer: ReturnType<typeof setTimeout>;
}

/** Answers after which nobody knows whether the pixel landed: never a refusal, never retried. */
const UNKNOWN_OUTCOMES: ReadonlySet<string> = new Set(['OUTCOME_UNKNOWN', 'NO_ANSWER']);
/** Replica advances after an unknown answer by which a landed pixel is certainly in the replica. */
const ADVANCES_TO_KNOW = 2;

/** The place flow: local checks, the optimistic overlay, the acknowledgement and its error text. */
export function createPlacement(deps: PlacementDeps): Placement {
  const overlayTimeoutMs = deps.overlayTimeoutMs ?? 15_000;
  const pendingByPixel = new Map<string, PendingPixel>();
  let inFlight = false;
  let placeCount = 0;
  let lastResult: PlaceOutcome | undefined;

  function drop(key: string, entry: PendingPixel): void {
    if (pendingByPixel.get(key) !== entry) return;
    clearTimeout(entry.timer);
    pendingByPixel.delete(key);
    deps.redraw();
  }

  function confirmApplied(): void {
    const through = deps.appliedThrough();
    if (!through) return;
    for (const [key, entry] of pendingByPixel) {
      if (entry.eventPosition && comparePositions(through, entry.eventPosition) >= 0) drop(key, entry);
      const unknown = entry.unknown;
      if (unknown && (!unknown.through || comparePositions(through, unknown.through) > 0)) {
        unknown.through = through;
        if (++unknown.advances >= ADVANCES_TO_KNOW) drop(key, entry);
      }
    }
  }

  return {
    get placeCount() {
      return placeCount;
    },
    get lastResult() {
      return lastResult;
    },
    pending() {
      return pendingByPixel.values();
    },
    onApplied: confirmApplied,
    placeAt(x, y) {
      const { width, height } = deps.boardSize();
      if (x < 0 || y < 0 || x >= width || y >= height) return;
      if (!deps.isLive()) {
        deps.notify(describeError('OFFLINE'));
        return;
      }
      if (deps.isPaused()) return; // the paused banner already says why
      const left = deps.cooldown.remainingMs();
      if (left > 0) {
        deps.notify(`Next pixel in ${formatRemaining(left)}`, 'info');
        return;
      }
      if (inFlight) return; // one at a time: a double tap must not send two
      const color = deps.selectedColor();
      const key = `${x},${y}`;
      const previous = pendingByPixel.get(key);
      if (previous) drop(key, previous);
      const entry: PendingPixel = { x, y, color, timer: setTimeout(() => drop(key, entry), overlayTimeoutMs) };
      pendingByPixel.set(key, entry);
      deps.redraw();
      placeCount++;
      inFlight = true;
      void deps.place({ x, y, color }).then((outcome) => {
        inFlight = false;
        lastResult = outcome;
        if (outcome.ok) {
          deps.cooldown.setUntil(outcome.nextAt);
          const position = parsePosition(outcome.eventId);
          if (position) {
            entry.eventPosition = position;
            confirmApplied(); // the delta may have arrived before the acknowledgement
          }
          return;
        }
        if (UNKNOWN_OUTCOMES.has(outcome.error)) {
          // Keep showing it: the canvas shows it for good if it landed, and drops it if not.
          entry.unknown = { through: deps.appliedThrough(), advances: 0 };
          deps.notify(describeError(outcome.error), 'info');
          return;
        }
        drop(key, entry);
        if (outcome.retryAt !== undefined) deps.cooldown.setUntil(outcome.retryAt);
        deps.notify(describeError(outcome.error), outcome.error === 'COOLDOWN' ? 'info' : 'error');
      });
    },
  };
}

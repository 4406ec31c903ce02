import './history.css';
import { CanvasReplica, historyViewerOpen, type CanvasConfig, type HistoryIndex, type HistoryKeyframe, type ReplicaChange } from '@tessera/protocol';
import { createRenderer } from '../renderer.js';
import type { View } from '../view.js';
import { createHistoryClient, HistoryUnavailable, type HistoryClient } from './history-client.js';
import { msOf, planReplay, replay } from './history-replay.js';

/** How often an open viewer asks for the index again, to extend the slider as snapshots land. */
const INDEX_REFRESH_MS = 10_000;

/** What the test hook and the page read of the viewer. */
export interface HistoryViewerState {
  /** The canvas's switch lets players open it now. */
  readonly available: boolean;
  readonly open: boolean;
  /** Time (epoch ms) of the canvas shown; undefined before the first one is drawn. */
  readonly shownAt: number | undefined;
  /** A time was asked for that is not drawn yet. */
  readonly loading: boolean;
  /** Why nothing can be shown (closed, not served, unreadable), if so. */
  readonly error: string | undefined;
  readonly range: { readonly start: number; readonly end: number } | undefined;
  /** The canvas shown, as width×height palette indices. */
  readonly replica: CanvasReplica;
}

export interface HistoryViewer extends HistoryViewerState {
  setConfig(config: CanvasConfig): void;
}

export interface HistoryViewerElements {
  readonly openButton: HTMLButtonElement;
  readonly panel: HTMLElement;
  readonly slider: HTMLInputElement;
  readonly time: HTMLOutputElement;
  readonly status: HTMLElement;
  readonly closeButton: HTMLButtonElement;
  /** Drawn over the live board, with the same view; gestures fall through to the board. */
  readonly board: HTMLCanvasElement;
}

/**
 * The players' history viewer: a time slider over the event that shows the canvas at any moment,
 * rebuilt from the nearest keyframe and the placements after it. Scrubbing asks for the newest
 * slider position only; a draw in flight finishes and the next one starts from what is cached.
 */
export function createHistoryViewer(elements: HistoryViewerElements, view: View, client: HistoryClient = createHistoryClient()): HistoryViewer {
  // The renderer subscribes to the replica's changes; it is created right after, before any change.
  let onChange: (change: ReplicaChange) => void = () => undefined;
  const replica = new CanvasReplica({ historyLimit: 0, onChange: (change) => onChange(change) });
  const drawer = createRenderer({ canvas: elements.board, replica, view, overlay: () => [] });
  onChange = (change) => drawer.onReplicaChange(change);

  let available = false;
  let open = false;
  let index: HistoryIndex | undefined;
  let requested: number | undefined;
  let shownAt: number | undefined;
  let shownKeyframe: HistoryKeyframe | undefined;
  let drawing = false;
  let error: string | undefined;
  let refreshTimer: ReturnType<typeof setInterval> | undefined;

  const range = (): { start: number; end: number } | undefined => {
    const first = index?.keyframes[0];
    if (!index || !first) return undefined;
    const start = msOf(first.position);
    return { start, end: Math.max(start, index.end ?? start) };
  };

  function setError(message: string | undefined): void {
    error = message;
    elements.status.textContent = message ?? '';
    elements.status.hidden = message === undefined;
  }

  async function loadIndex(): Promise<void> {
    try {
      index = await client.index();
      const span = range();
      if (!span) {
        setError('Nothing is archived yet: the first snapshot is on its way.');
        return;
      }
      const atEnd = elements.slider.value === elements.slider.max;
      elements.slider.min = String(span.start);
      elements.slider.max = String(span.end);
      elements.slider.disabled = false;
      if (requested === undefined || atEnd) show(span.end);
      if (error?.startsWith('Nothing')) setError(undefined);
    } catch (failure) {
      setError(describe(failure));
    }
  }

  /** Asks for the canvas at `at` (clamped to the archive); draws the newest request only. */
  function show(at: number): void {
    const span = range();
    if (!span || !Number.isFinite(at)) return;
    requested = Math.min(span.end, Math.max(span.start, Math.round(at)));
    elements.slider.value = String(requested);
    elements.time.textContent = formatTime(requested);
    elements.slider.setAttribute('aria-valuetext', elements.time.textContent); // read the time, not epoch ms
    void drawLoop();
  }

  async function drawLoop(): Promise<void> {
    if (drawing) return;
    drawing = true;
    try {
      while (open && index && requested !== undefined && requested !== shownAt) {
        const at = requested;
        const plan = planReplay(index, at, shownKeyframe);
        if (!plan) break;
        const [keyframe, segments] = await Promise.all([
          client.keyframe(plan.keyframe.name),
          Promise.all(plan.segments.map((segment) => client.segment(segment.name))),
        ]);
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- the viewer may close during the await
        if (!open) break;
        drawer.setPalette(keyframe.palette);
        replica.loadCanvas(replay(keyframe.frame, segments, at));
        shownAt = at;
        shownKeyframe = plan.keyframe;
        setError(segments.some((segment) => segment.gap) ? 'Part of this stretch was not archived: the canvas may differ from what players saw.' : undefined);
      }
    } catch (failure) {
      setError(describe(failure));
      requested = shownAt;
    } finally {
      drawing = false;
    }
  }

  function setOpen(next: boolean): void {
    if (next === open) return;
    open = next;
    elements.panel.hidden = !open;
    elements.board.hidden = !open;
    elements.openButton.setAttribute('aria-pressed', String(open));
    document.body.dataset.history = open ? 'open' : 'closed';
    clearInterval(refreshTimer);
    if (open) {
      setError(undefined);
      void loadIndex();
      refreshTimer = setInterval(() => void loadIndex(), INDEX_REFRESH_MS);
      elements.slider.focus();
    } else {
      requested = undefined;
      shownAt = undefined;
    }
  }

  elements.openButton.addEventListener('click', () => setOpen(!open));
  elements.closeButton.addEventListener('click', () => setOpen(false));
  elements.slider.addEventListener('input', () => show(Number(elements.slider.value)));
  elements.slider.addEventListener('change', () => show(Number(elements.slider.value)));
  elements.panel.hidden = true;
  elements.board.hidden = true;

  return {
    get available() {
      return available;
    },
    get open() {
      return open;
    },
    get shownAt() {
      return shownAt;
    },
    get loading() {
      return requested !== undefined && requested !== shownAt && error === undefined;
    },
    get error() {
      return error;
    },
    get range() {
      return range();
    },
    get replica() {
      return replica;
    },
    setConfig(config: CanvasConfig) {
      available = historyViewerOpen(config);
      elements.openButton.hidden = !available;
      if (!available) setOpen(false);
    },
  };
}

function describe(failure: unknown): string {
  if (failure instanceof HistoryUnavailable) {
    if (failure.status === 403) return 'The history is closed for now.';
    if (failure.status === 404) return 'This server does not show the history.';
    return `The history could not be loaded (${failure.message}). Try again in a moment.`;
  }
  return 'The history could not be loaded. Check your connection and try again.';
}

function formatTime(ms: number): string {
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

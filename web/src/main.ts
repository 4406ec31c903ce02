import './style.css';
import { ErrorCode, type CanvasConfig } from '@tessera/protocol';
import type { ConnectionState } from './connection.js';
import { createCooldown } from './cooldown.js';
import { createHud } from './hud.js';
import { attachInput } from './input.js';
import { createLiveCanvas } from './live-canvas.js';
import { describeError } from './messages.js';
import { createPalette } from './palette.js';
import { createPlacement } from './placement.js';
import { createRenderer, type Renderer } from './renderer.js';
import { createStatus } from './status.js';
import { installTestHook } from './test-hook.js';
import { createToast } from './toast.js';
import { createView } from './view.js';

// Wiring only: each module owns one concern and takes what it needs here.

function element<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`index.html lacks #${id}`);
  return found as T;
}

const board = element<HTMLCanvasElement>('board');
const coarsePointer = window.matchMedia('(pointer: coarse)').matches;
const hint = element('hint');
const placeHint = coarsePointer ? 'Tap a pixel to place it' : 'Click a pixel to place it';

const view = createView();
const toast = createToast(element('toast'));
const status = createStatus({
  indicator: element('status'),
  label: element('status-label'),
  pausedBanner: element('paused'),
  unavailableBanner: element('unavailable'),
  blockedBanner: element('blocked'),
  splash: element('splash'),
  splashText: element('splash-text'),
});
const palette = createPalette({ container: element('palette') });
const cooldown = createCooldown({ element: element('cooldown') });

let config: CanvasConfig | undefined;
let connectionState: ConnectionState = { kind: 'connecting', failures: 0 };
let renderer: Renderer | undefined;

const live = createLiveCanvas({
  onChange: (change) => {
    renderer?.onReplicaChange(change);
    if (change.kind === 'all') view.setBoard(sync.replica.width, sync.replica.height);
  },
  onApplied: () => placement.onApplied(),
  onLoaded: () => status.setLoaded(true),
  onState: (state) => {
    connectionState = state;
    status.setConnection(state);
  },
  onWelcome: (welcome) => {
    status.setCanvasAvailable(true);
    cooldown.syncClock(welcome.serverTime);
    cooldown.setUntil(welcome.cooldownUntil, welcome.config.cooldownMs); // the server judged it by this config
  },
  onConfig: (next) => applyConfig(next),
  onKicked: (reason) => {
    if (reason === ErrorCode.CanvasUnavailable) status.setCanvasAvailable(false);
    toast.show(describeError(reason), 'error', 8000);
  },
  onCanvasStatus: (available) => status.setCanvasAvailable(available),
  // A newer release sends deltas this page cannot read; the every-minute sync still repairs it.
  onOutdated: () => toast.show('A new version of Tessera is out: reload the page to see the canvas live.', 'error', 60_000),
});
const { sync, connection } = live;
const { replica } = sync;
const boardSize = () => ({ width: replica.width, height: replica.height });
const hud = createHud(element('coords'), view, boardSize);

const placement = createPlacement({
  place: async (payload) => {
    const outcome = await connection.place(payload);
    // The banner also follows what placements find, in case the push was missed.
    if (outcome.ok) status.setCanvasAvailable(true);
    else if (outcome.error === ErrorCode.CanvasUnavailable) status.setCanvasAvailable(false);
    return outcome;
  },
  isLive: () => connectionState.kind === 'live',
  isPaused: () => config?.paused ?? false,
  boardSize,
  selectedColour: () => palette.selected,
  appliedThrough: () => sync.appliedThrough,
  cooldown,
  notify: (text, kind) => toast.show(text, kind),
  redraw: () => renderer?.invalidate(),
});

renderer = createRenderer({ canvas: board, replica, view, overlay: () => placement.pending() });
const draw = renderer;

function pixelAt(sx: number, sy: number): { x: number; y: number } {
  const point = view.screenToBoard(sx, sy);
  return { x: Math.floor(point.x), y: Math.floor(point.y) };
}
function centrePixel(): { x: number; y: number } {
  return { x: Math.floor(view.x), y: Math.floor(view.y) };
}

let keyboardCursor = false;
view.subscribe(() => {
  if (keyboardCursor) draw.setReticle(centrePixel());
});
attachInput(board, view, {
  onTap: (sx, sy) => {
    const { x, y } = pixelAt(sx, sy);
    placement.placeAt(x, y);
  },
  onHover: (sx, sy) => {
    const pixel = pixelAt(sx, sy);
    draw.setHover(pixel);
    hud.setPointer(pixel);
  },
  onHoverEnd: () => {
    draw.setHover(undefined);
    hud.setPointer(undefined);
  },
  onPlaceKey: () => {
    const { x, y } = centrePixel();
    placement.placeAt(x, y);
  },
  onKeyboardFocus: (focused) => {
    keyboardCursor = focused;
    draw.setReticle(focused ? centrePixel() : undefined);
  },
});

const zoomStep = 1.6;
element('zoom-in').addEventListener('click', () => view.zoomAt(zoomStep, view.viewportWidth / 2, view.viewportHeight / 2));
element('zoom-out').addEventListener('click', () => view.zoomAt(1 / zoomStep, view.viewportWidth / 2, view.viewportHeight / 2));
element('zoom-fit').addEventListener('click', () => view.fit());

function applyConfig(next: CanvasConfig): void {
  config = next;
  cooldown.setCooldownMs(next.cooldownMs); // a change applies at once to a running wait
  document.body.dataset['ready'] = 'true'; // the dock (palette, cooldown) means nothing before a config
  draw.setPalette(next.palette);
  palette.setColours(next.palette);
  palette.setDisabled(next.paused);
  status.setPaused(next.paused);
  hint.textContent = next.paused ? 'Placing is paused' : placeHint;
}

installTestHook({ replica, placement, renderer: draw, view, board, palette, connection: () => connectionState, sync });

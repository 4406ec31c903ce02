import './style.css';
import './player-tools.css';
import { ErrorCode, type BanNotice, type CanvasConfig } from '@tessera/protocol';
import { createAccount } from './account.js';
import { createSignIn, takeCallback, type SignIn } from './sign-in.js';
import type { ConnectionState } from './connection.js';
import { createChallengeSolver } from './challenge.js';
import { createCooldown } from './cooldown.js';
import { createCooldownAlerts } from './cooldown-alerts.js';
import { createCooldownMemory } from './cooldown-memory.js';
import { createHud } from './hud.js';
import { attachInput } from './input.js';
import { createLiveCanvas } from './live-canvas.js';
import { describeError } from './messages.js';
import { createPalette } from './palette.js';
import { createPixelInfo } from './pixel-info.js';
import { createPlacement } from './placement.js';
import { createPresenceBadge } from './presence.js';
import { createRenderer, type Renderer } from './renderer.js';
import { createStatus } from './status.js';
import { createHistoryViewer } from './history/history-viewer.js';
import { installTestHook } from './test-hook.js';
import { createToast } from './toast.js';
import { createView } from './view.js';
import { createRulesPanel } from './rules-panel.js';
import { createTapConfirm } from './tap-confirm.js';
import { installTemplatesHook } from './templates/template-hook.js';
import { createTemplateOverlay } from './templates/template-overlay.js';
import { createTemplatePanel } from './templates/template-panel.js';

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

// Before the view reads the address bar: a sign-in callback puts back the view the player left.
const signInCallback = takeCallback();
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
const cooldownMemory = createCooldownMemory();
const rememberedCooldownEnd = cooldownMemory.recall(); // before the countdown's first tick clears it
const cooldownAlerts = createCooldownAlerts({ toggle: element<HTMLButtonElement>('cooldown-alerts'), notify: (text, kind) => toast.show(text, kind) });
const cooldown = createCooldown({
  element: element('cooldown'),
  onTick: (left) => {
    cooldownMemory.onTick(left);
    cooldownAlerts.onTick(left);
  },
  onReady: () => cooldownAlerts.onReady(),
});
if (rememberedCooldownEnd > 0) cooldown.setUntil(rememberedCooldownEnd); // shown at once; the welcome corrects it
const presence = createPresenceBadge(element('online'));

let config: CanvasConfig | undefined;
let connectionState: ConnectionState = { kind: 'connecting', failures: 0 };
let renderer: Renderer | undefined;
let templateOverlay: ReturnType<typeof createTemplateOverlay> | undefined;
let templatePanel: ReturnType<typeof createTemplatePanel> | undefined;
let resolvePalette: (palette: readonly string[]) => void = () => undefined;
const firstPalette = new Promise<readonly string[]>((resolve) => (resolvePalette = resolve));

// The proof-of-work widget, mounted only when a gateway asks for a solution.
const challenge = createChallengeSolver({ container: element('challenge') });
let signIn: SignIn | undefined;
let ban: BanNotice | undefined;
let banEndTimer: ReturnType<typeof setTimeout> | undefined;

const live = createLiveCanvas({
  challenge,
  onChange: (change) => {
    renderer?.onReplicaChange(change);
    templateOverlay?.onReplicaChange(change);
    if (change.kind === 'all') view.setBoard(sync.replica.width, sync.replica.height);
  },
  onApplied: () => placement.onApplied(),
  onLoaded: () => status.setLoaded(true),
  onState: (state) => {
    connectionState = state;
    status.setConnection(state);
  },
  autoConnect: false, // after the sign-in coming back from the provider is finished
  idToken: () => signIn?.idToken(),
  onAuthRefused: (reason) => void onAuthRefused(reason),
  onWelcome: (welcome) => {
    account.setSignedIn(welcome.userId.startsWith('a_'), welcome.displayName);
    setBan(welcome.ban, welcome.serverTime);
    status.setCanvasAvailable(true);
    cooldown.syncClock(welcome.serverTime);
    cooldown.setUntil(welcome.cooldownUntil, welcome.config.cooldownMs); // the server judged it by this config
  },
  onConfig: (next) => applyConfig(next),
  onKicked: (reason) => {
    if (reason === ErrorCode.CanvasUnavailable) status.setCanvasAvailable(false);
    if (reason === ErrorCode.Banned) return; // the welcome that follows says why, in the banner
    toast.show(describeError(reason), 'error', 8000);
  },
  onCanvasStatus: (available) => status.setCanvasAvailable(available),
  onPresence: (online) => presence.show(online),
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
  isPaused: () => (config?.paused ?? false) || ban !== undefined, // the banners say why
  boardSize,
  selectedColor: () => palette.selected,
  appliedThrough: () => sync.appliedThrough,
  cooldown,
  notify: (text, kind) => toast.show(text, kind),
  redraw: () => renderer?.invalidate(),
});

renderer = createRenderer({
  canvas: board,
  replica,
  view,
  overlay: () => placement.pending(),
  layers: () => {
    const layer = templateOverlay?.layer();
    return layer ? [layer] : [];
  },
});
const history = createHistoryViewer(
  {
    openButton: element<HTMLButtonElement>('history-open'),
    panel: element('history-panel'),
    slider: element<HTMLInputElement>('history-slider'),
    time: element<HTMLOutputElement>('history-time'),
    status: element('history-status'),
    closeButton: element<HTMLButtonElement>('history-close'),
    board: element<HTMLCanvasElement>('history-board'),
  },
  view,
);
const draw = renderer;
templateOverlay = createTemplateOverlay({ replica, invalidate: () => draw.invalidate() });

function pixelAt(sx: number, sy: number): { x: number; y: number } {
  const point = view.screenToBoard(sx, sy);
  return { x: Math.floor(point.x), y: Math.floor(point.y) };
}
function centrePixel(): { x: number; y: number } {
  return { x: Math.floor(view.x), y: Math.floor(view.y) };
}

const rulesPanel = createRulesPanel({ button: element<HTMLButtonElement>('help-button'), coarsePointer });
// Only touch taps are confirmed: a mouse click is deliberate, and keyboard placing has its own cursor.
const tapConfirm = createTapConfirm({ enabled: () => coarsePointer && rulesPanel.confirmTaps, onSelect: (pixel) => draw.setReticle(pixel) });
let keyboardCursor = false;
view.subscribe(() => {
  if (keyboardCursor) draw.setReticle(centrePixel());
});
const pixelInfo = createPixelInfo({
  board,
  card: element('pixel-info'),
  toggle: element<HTMLButtonElement>('inspect-toggle'),
  pixelAt,
  cursor: centrePixel,
  boardSize,
  palette: () => config?.palette ?? [],
});
attachInput(board, view, {
  onTap: (sx, sy) => {
    if (history.open) return; // the board shows the past: nothing to place on
    const { x, y } = pixelAt(sx, sy);
    if (pixelInfo.takeTap(x, y)) return; // an inspection, not a placement
    tapConfirm.request(x, y, () => placement.placeAt(x, y));
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
    if (history.open) return;
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
  document.body.dataset.ready = 'true'; // the dock (palette, cooldown) means nothing before a config
  draw.setPalette(next.palette);
  templateOverlay?.onPalette(next.palette);
  templatePanel?.onPalette(next.palette);
  resolvePalette(next.palette);
  pixelInfo.setConfig(next);
  palette.setColors(next.palette);
  palette.setDisabled(next.paused || ban !== undefined);
  status.setPaused(next.paused);
  hint.textContent = next.paused ? 'Placing is paused' : ban ? 'Watching only' : placeHint;
  history.setConfig(next);
}

const account = createAccount(
  {
    container: element('account'),
    name: element('account-name'),
    button: element<HTMLButtonElement>('account-button'),
    splashButton: element<HTMLButtonElement>('splash-sign-in'),
  },
  {
    signIn: () => void signIn?.start().catch(() => toast.show('The sign-in provider cannot be reached. Try again in a moment.', 'error', 8000)),
    signOut: () => {
      account.setSignedIn(false);
      signIn?.signOut();
    },
  },
);
void createSignIn(signInCallback, {
  // Signed in, refreshed or signed out: the socket connects again with the token as it is now; the view stays.
  onChange: () => connection.reauthenticate(),
  onError: (message) => toast.show(message, 'error', 8000),
}).then((ready) => {
  signIn = ready;
  account.setAvailable(ready.available);
  connection.connect();
});

/** The gateway refused the handshake's identity: refresh, or fall back to a guest, or ask for a sign-in. */
async function onAuthRefused(reason: ErrorCode): Promise<void> {
  if (reason === ErrorCode.TokenExpired && (await signIn?.refresh())) {
    connection.reauthenticate();
    return;
  }
  if (reason !== ErrorCode.SignInRequired) {
    signIn?.drop();
    account.setSignedIn(false);
    toast.show(reason === ErrorCode.TokenExpired ? describeError(reason) : 'Your sign-in was not accepted by this canvas. Sign in again.', 'error', 10_000);
  }
  account.setNeedsSignIn(true);
  // A guest may play on meanwhile; a canvas that admits accounts only waits for the sign-in.
  if (reason !== ErrorCode.SignInRequired && signIn?.guestsAllowed !== false) connection.reauthenticate();
}

/** Watching read-only under a ban until it ends; then a fresh connection lets the player place again. */
function setBan(next: BanNotice | undefined, serverTime: number): void {
  ban = next;
  status.setBan(next);
  palette.setDisabled(next !== undefined || (config?.paused ?? false));
  clearTimeout(banEndTimer);
  if (next && next.expiresAt > 0) banEndTimer = setTimeout(() => connection.reauthenticate(), Math.min(next.expiresAt - serverTime + 1000, 2 ** 31 - 1));
}

installTestHook({ replica, placement, renderer: draw, view, board, palette, connection: () => connectionState, sync, history });

templatePanel = createTemplatePanel({
  overlay: templateOverlay,
  button: element<HTMLButtonElement>('templates-button'),
  palette: () => firstPalette,
  centre: centrePixel,
  notify: (text, kind) => toast.show(text, kind),
});
installTemplatesHook(templatePanel, templateOverlay);

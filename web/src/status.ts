import type { BanNotice } from '@tessera/protocol';
import { describeBan } from './ban-notice.js';
import type { ConnectionState } from './connection.js';
import { describeError } from './messages.js';

export interface StatusElements {
  /** The connection pill; its `data-state` drives the dot's colour. */
  readonly indicator: HTMLElement;
  readonly label: HTMLElement;
  /** "The canvas is paused" banner. */
  readonly pausedBanner: HTMLElement;
  /** "The canvas is temporarily unavailable" banner: the gateway is up but cannot reach its Redis. */
  readonly unavailableBanner: HTMLElement;
  /** Why the client stopped trying (banned): stays until the page is reloaded. */
  readonly blockedBanner: HTMLElement;
  /** Covers the board until the first canvas is loaded, saying why it is not there yet. */
  readonly splash: HTMLElement;
  readonly splashText: HTMLElement;
}

export interface Status {
  setConnection(state: ConnectionState): void;
  setPaused(paused: boolean): void;
  /**
   * Whether the canvas can be read and placed on. False from a canvas-status push, a placement or
   * kick answered CANVAS_UNAVAILABLE; true again from the push that it is back, an accepted
   * placement or a new welcome (a gateway welcomes only with the canvas at hand).
   */
  setCanvasAvailable(available: boolean): void;
  /** Whether a complete canvas is on screen. */
  setLoaded(loaded: boolean): void;
  /** The ban this player watches under (from the welcome), or none: shown in the blocked banner only. */
  setBan(ban: BanNotice | undefined): void;
}

const LABELS = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  offline: 'Offline',
} as const satisfies Record<ConnectionState['kind'], string>;

/** The connection indicator, the paused banner and the loading screen. */
export function createStatus(elements: StatusElements): Status {
  let connection: ConnectionState = { kind: 'connecting', failures: 0 };
  let loaded = false;
  let everLoaded = false;
  let ban: BanNotice | undefined;

  function splashText(): string {
    const reason = 'reason' in connection && connection.reason ? describeError(connection.reason) : undefined;
    switch (connection.kind) {
      case 'connecting':
        return reason ?? 'Connecting to the canvas…';
      case 'live':
        return 'Loading the canvas…';
      case 'reconnecting':
        return reason ?? 'Connection lost. Reconnecting…';
      case 'offline':
        if (!connection.retrying) return reason ?? 'Disconnected.';
        return reason ? `${reason} Retrying…` : "Can't reach the server. Retrying…";
    }
  }

  function render(): void {
    const { indicator, label, splash } = elements;
    indicator.dataset.state = connection.kind;
    const reason = 'reason' in connection && connection.reason ? connection.reason : undefined;
    label.textContent = LABELS[connection.kind];
    indicator.title = reason ? describeError(reason) : LABELS[connection.kind];
    // The splash only covers a board that was never shown; after that a stale board beats a blank one.
    splash.hidden = everLoaded;
    elements.splashText.textContent = splashText();
    splash.dataset.state = connection.kind;
    document.body.dataset.loaded = String(loaded);
    // Said once: while the splash covers the board it says why; the banner takes over after.
    const blocked = connection.kind === 'offline' && !connection.retrying && everLoaded;
    elements.blockedBanner.hidden = !(blocked || ban);
    if (ban) elements.blockedBanner.textContent = describeBan(ban);
    else if (blocked) elements.blockedBanner.textContent = reason ? describeError(reason) : 'Disconnected. Reload the page to try again.';
  }

  render();
  return {
    setConnection(state) {
      connection = state;
      render();
    },
    setPaused(paused) {
      elements.pausedBanner.hidden = !paused;
    },
    setCanvasAvailable(available) {
      elements.unavailableBanner.hidden = available;
      document.body.dataset.canvasAvailable = String(available);
    },
    setBan(next) {
      ban = next;
      document.body.dataset.banned = String(next !== undefined);
      render();
    },
    setLoaded(next) {
      loaded = next;
      everLoaded ||= next;
      render();
    },
  };
}

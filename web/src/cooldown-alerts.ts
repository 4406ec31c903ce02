import { formatRemaining } from './cooldown.js';

/**
 * What a player who left the tab sees and hears of the cooldown: the time left in the tab title,
 * and, only when they asked for it, a browser notification and a short sound when it ends.
 * Permission is requested from the toggle's click (a user gesture), never on load.
 */
export interface CooldownAlerts {
  onTick(remainingMs: number): void;
  /** A running cooldown just ended. */
  onReady(): void;
  readonly enabled: boolean;
}

export interface CooldownAlertsOptions {
  /** The bell toggle (aria-pressed shows whether alerts are on). */
  readonly toggle: HTMLButtonElement;
  /** Tells the player what the browser allowed. */
  readonly notify: (text: string, kind: 'error' | 'info') => void;
  /** The title shown when no cooldown runs (default: the page's title at start). */
  readonly baseTitle?: string;
}

export const ALERTS_STORAGE_KEY = 'tessera.cooldown-alerts';

export function createCooldownAlerts(options: CooldownAlertsOptions): CooldownAlerts {
  const { toggle } = options;
  const baseTitle = options.baseTitle ?? document.title;
  let enabled = readEnabled();
  let audio: AudioContext | undefined;
  /** The cooldown ended while the tab was hidden: say "Ready" in the title until the player looks. */
  let readyUnseen = false;

  function render(): void {
    toggle.setAttribute('aria-pressed', String(enabled));
    toggle.title = enabled ? 'Alerts on: a notification and a sound when you can place again' : 'Alert me when I can place again';
  }

  /** Audio may only start from a gesture: made (or resumed) on the first one after a reload. */
  function unlockAudio(): void {
    if (!enabled) return;
    try {
      audio ??= new AudioContext();
      if (audio.state === 'suspended') void audio.resume();
    } catch {
      audio = undefined; // no Web Audio: notifications only
    }
  }

  function chime(): void {
    if (audio?.state !== 'running') return;
    const start = audio.currentTime;
    const gain = audio.createGain();
    gain.gain.setValueAtTime(0.0001, start);
    gain.gain.exponentialRampToValueAtTime(0.2, start + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.5);
    gain.connect(audio.destination);
    for (const [frequency, delay] of [
      [880, 0],
      [1320, 0.12],
    ] as const) {
      const tone = audio.createOscillator();
      tone.frequency.value = frequency;
      tone.connect(gain);
      tone.start(start + delay);
      tone.stop(start + 0.5);
    }
  }

  toggle.addEventListener('click', () => {
    enabled = !enabled;
    writeEnabled(enabled);
    render();
    if (!enabled) return;
    unlockAudio();
    if (typeof Notification === 'undefined') {
      options.notify('This browser has no notifications: you will hear a sound instead.', 'info');
      return;
    }
    if (Notification.permission === 'granted') {
      options.notify('You will be alerted when you can place again.', 'info');
      return;
    }
    if (Notification.permission === 'denied') {
      options.notify('Notifications are blocked for this site: you will hear a sound instead.', 'info');
      return;
    }
    void Notification.requestPermission().then((answer) => {
      options.notify(answer === 'granted' ? 'You will be alerted when you can place again.' : 'No notifications: you will hear a sound instead.', 'info');
    });
  });
  document.addEventListener('pointerdown', unlockAudio, { capture: true });
  document.addEventListener('keydown', unlockAudio, { capture: true });
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && readyUnseen) {
      readyUnseen = false;
      document.title = baseTitle;
    }
  });
  render();

  return {
    get enabled() {
      return enabled;
    },
    onTick(remainingMs) {
      if (remainingMs > 0) {
        readyUnseen = false;
        document.title = `${formatRemaining(remainingMs)} · ${baseTitle}`;
      } else document.title = readyUnseen ? `Ready · ${baseTitle}` : baseTitle;
    },
    onReady() {
      if (document.visibilityState === 'hidden') {
        readyUnseen = true;
        document.title = `Ready · ${baseTitle}`;
      }
      if (!enabled) return;
      chime();
      if (typeof Notification !== 'undefined' && Notification.permission === 'granted' && document.visibilityState === 'hidden') {
        try {
          new Notification(baseTitle, { body: 'You can place your next pixel.', tag: 'tessera-cooldown' });
        } catch {
          // Android Chrome allows notifications only from a service worker: the sound still plays
        }
      }
    },
  };
}

function readEnabled(): boolean {
  try {
    return window.localStorage.getItem(ALERTS_STORAGE_KEY) === 'on';
  } catch {
    return false;
  }
}

function writeEnabled(on: boolean): void {
  try {
    if (on) window.localStorage.setItem(ALERTS_STORAGE_KEY, 'on');
    else window.localStorage.removeItem(ALERTS_STORAGE_KEY);
  } catch {
    // memory only
  }
}

export interface Cooldown {
  /** The server clock at this moment (from `welcome`), to correct for this device's clock. */
  syncClock(serverTime: number): void;
  /**
   * The cooldown runs until this server-clock epoch ms (0: none), as judged under `cooldownMs`
   * (default: the last one given to setCooldownMs).
   */
  setUntil(serverEpochMs: number, cooldownMs?: number): void;
  /**
   * The canvas's cooldown is now `cooldownMs`: a running wait ends at its placement time plus
   * that, but never later than the end it was given (the server's rule, place-pixel-6.lua).
   */
  setCooldownMs(cooldownMs: number): void;
  /** Milliseconds left, never negative. */
  remainingMs(): number;
  readonly ready: boolean;
}

export interface CooldownOptions {
  /** Shows "Ready" or the time left. */
  readonly element: HTMLElement;
  /** Called when a running cooldown ends. */
  readonly onReady?: () => void;
  /** Called whenever the display changes (each second while waiting, and at every new end). */
  readonly onTick?: (remainingMs: number) => void;
  readonly now?: () => number;
}

/** `m:ss`, or `h:mm:ss` from an hour up; rounds up so "0:00" never shows while waiting. */
export function formatRemaining(ms: number): string {
  const total = Math.ceil(ms / 1000);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const ss = String(seconds).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${ss}` : `${minutes}:${ss}`;
}

/** The countdown until the next placement, in server time corrected for the local clock's skew. */
export function createCooldown(options: CooldownOptions): Cooldown {
  const now = options.now ?? Date.now;
  const { element } = options;
  /** serverTime − localTime, measured at the last welcome. */
  let skewMs = 0;
  let until = 0;
  /** The cooldown config as last known, the wait's placement time and the end it was given. */
  let cooldownMs = 0;
  let placedAt: number | undefined;
  let givenUntil = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  function remainingMs(): number {
    return Math.max(0, until - (now() + skewMs));
  }

  function tick(): void {
    clearTimeout(timer);
    timer = undefined;
    const left = remainingMs();
    element.dataset.ready = String(left === 0);
    options.onTick?.(left);
    if (left === 0) {
      element.textContent = 'Ready';
      element.setAttribute('aria-label', 'Ready to place a pixel');
      return;
    }
    element.textContent = formatRemaining(left);
    element.setAttribute('aria-label', `Next pixel in ${formatRemaining(left)}`);
    // Wake at the next whole-second boundary of the remaining time, so the display never lags.
    // Only scheduled while waiting, so a wake that finds no time left is the end of a wait
    // (measuring "was running" at the wake would always find it over already).
    timer = setTimeout(
      () => {
        tick();
        if (remainingMs() === 0) options.onReady?.();
      },
      (left % 1000) + 5,
    );
  }

  function moveTo(serverEpochMs: number): void {
    const wasRunning = remainingMs() > 0;
    until = serverEpochMs;
    tick();
    if (wasRunning && remainingMs() === 0) options.onReady?.();
  }

  tick();
  return {
    syncClock(serverTime) {
      skewMs = serverTime - now();
      tick();
    },
    setUntil(serverEpochMs, basis = cooldownMs) {
      placedAt = serverEpochMs > 0 ? serverEpochMs - basis : undefined;
      givenUntil = serverEpochMs;
      moveTo(serverEpochMs);
    },
    setCooldownMs(next) {
      cooldownMs = next;
      if (placedAt !== undefined) moveTo(Math.min(givenUntil, placedAt + next));
    },
    remainingMs,
    get ready() {
      return remainingMs() === 0;
    },
  };
}

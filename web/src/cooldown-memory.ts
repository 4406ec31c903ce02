/**
 * Remembers when the cooldown ends across a reload, so the countdown (and the tab title) show the
 * right time at once instead of "Ready" until the welcome arrives. The welcome stays the truth:
 * it replaces whatever was remembered a moment later.
 */
export interface CooldownMemory {
  /** The end remembered in this device's clock (epoch ms), or 0 when none is still running. */
  recall(): number;
  /** Called on every countdown change with the time left. */
  onTick(remainingMs: number): void;
}

export const COOLDOWN_STORAGE_KEY = 'tessera.cooldown-end';
/** A stored end further away than this is not ours (a corrupted or hand-edited value). */
const MAX_REMEMBERED_MS = 24 * 3600_000;

export function createCooldownMemory(options: { storage?: Storage | undefined; now?: () => number } = {}): CooldownMemory {
  const now = options.now ?? Date.now;
  const storage = options.storage ?? safeLocalStorage();
  let written = 0;

  function write(value: number): void {
    if (value === written) return;
    written = value;
    try {
      if (value === 0) storage?.removeItem(COOLDOWN_STORAGE_KEY);
      else storage?.setItem(COOLDOWN_STORAGE_KEY, String(value));
    } catch {
      // storage full or blocked: the welcome still tells the truth
    }
  }

  return {
    recall() {
      let raw: string | null;
      try {
        raw = storage?.getItem(COOLDOWN_STORAGE_KEY) ?? null;
      } catch {
        return 0;
      }
      const end = Number(raw);
      const left = end - now();
      if (!Number.isFinite(end) || left <= 0 || left > MAX_REMEMBERED_MS) return 0;
      written = end;
      return end;
    },
    onTick(remainingMs) {
      if (remainingMs === 0) {
        write(0);
        return;
      }
      const end = now() + remainingMs;
      // Rewritten only when the end moved (a new placement, a cooldown change), not every second.
      if (Math.abs(end - written) > 1500) write(end);
    },
  };
}

function safeLocalStorage(): Storage | undefined {
  try {
    return window.localStorage;
  } catch {
    return undefined;
  }
}

/** Options of {@link waitFor}. */
export interface WaitForOptions {
  /** Give up after this long (default 5000). */
  timeoutMs?: number;
  /** Pause between attempts (default 25). */
  intervalMs?: number;
  /** What was awaited, for the timeout error (default "condition"). */
  message?: string;
}

/**
 * Polls `predicate` until it returns a truthy value, and resolves with that value. A predicate that
 * throws counts as "not yet"; its last error is quoted if time runs out.
 */
export async function waitFor<T>(
  predicate: () => T | Promise<T>,
  { timeoutMs = 5000, intervalMs = 25, message = 'condition' }: WaitForOptions = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await predicate();
      if (value) return value;
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${message}${cause}`, { cause: lastError });
    }
    await sleep(Math.min(intervalMs, Math.max(0, deadline - Date.now())));
  }
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

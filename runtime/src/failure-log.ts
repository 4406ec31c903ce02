import type { Logger } from './logger.js';

export const FAILURE_LOG_DEFAULTS = {
  /** At most one line per key in this long; the line carries how many failures it stands for. */
  intervalMs: 10_000,
} as const;

export interface FailureLogOptions {
  readonly log: Logger;
  /** The message of every line (the key and the count go in fields). */
  readonly message: string;
  /** Default FAILURE_LOG_DEFAULTS.intervalMs. */
  readonly intervalMs?: number;
  /** Default 'warn'. */
  readonly level?: 'warn' | 'error';
  /** Name of the field that carries the key (default 'key'; the writer uses 'stage'). */
  readonly keyField?: string;
}

export interface FailureLog {
  /**
   * Counts one failure under `key`. The first failure of a quiet key opens a window of
   * `intervalMs`; when it closes, one line reports the count, the first error and the last one.
   */
  failed(key: string, error: unknown, fields?: Record<string, unknown>): void;
  /** Writes every open window's line now (at shutdown, so no count is lost). */
  flush(): void;
}

interface Window {
  count: number;
  readonly first: Error;
  last: Error;
  readonly fields: Record<string, unknown> | undefined;
  readonly openedAt: number;
  readonly timer: NodeJS.Timeout;
}

/**
 * Logs repeated failures at most once per interval with a count. A Redis outage fails every
 * placement and every writer tick; one line per failure buried the logs (10,629 lines in 21 s)
 * and cost CPU exactly when the process was busiest.
 */
export function createFailureLog(options: FailureLogOptions): FailureLog {
  const intervalMs = options.intervalMs ?? FAILURE_LOG_DEFAULTS.intervalMs;
  const level = options.level ?? 'warn';
  const keyField = options.keyField ?? 'key';
  const open = new Map<string, Window>();

  const close = (key: string): void => {
    const window = open.get(key);
    if (!window) return;
    open.delete(key);
    clearTimeout(window.timer);
    const line: Record<string, unknown> = {
      ...window.fields,
      [keyField]: key,
      count: window.count,
      windowMs: Date.now() - window.openedAt,
      err: window.first,
    };
    if (window.count > 1 && window.last.message !== window.first.message) line.lastErr = window.last.message;
    options.log[level](line, options.message);
  };

  return {
    failed(key, error, fields) {
      const err = error instanceof Error ? error : new Error(String(error));
      const window = open.get(key);
      if (window) {
        window.count++;
        window.last = err;
        return;
      }
      // unref: an open window must not keep a stopping process alive.
      const timer = setTimeout(() => close(key), intervalMs).unref();
      open.set(key, { count: 1, first: err, last: err, fields, openedAt: Date.now(), timer });
    },
    flush() {
      for (const key of [...open.keys()]) close(key);
    },
  };
}

import type { Logger } from './logger.js';

/**
 * Runs `stop` once on SIGTERM or SIGINT, then exits. A second signal, or `stop` outliving
 * `forceAfterMs`, exits at once: an orchestrator's patience is finite.
 */
export function exitOnSignals(log: Logger, stop: () => Promise<void>, forceAfterMs: number): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      log.error({ forceAfterMs }, 'shutdown took too long: exiting');
      process.exit(1);
    }, forceAfterMs);
    force.unref();
    stop().then(
      () => {
        log.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

/** Logs and exits on a start-up failure; a ConfigError prints its list of problems plainly. */
export function failStartup(log: Logger | undefined, error: unknown): never {
  const message = error instanceof Error ? error.message : String(error);
  if (log) log.fatal({ err: error }, 'start-up failed');
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

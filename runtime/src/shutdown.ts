import type { LogLevel } from './common-config.js';
import type { Env } from './env-reader.js';
import { createLogger, type Logger } from './logger.js';

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

/**
 * A service's main: loads its configuration from the environment (a bad one exits 1 with its list
 * of problems, before any logger exists), then runs `start` with a logger at the configured level;
 * a start-up that throws is logged and exits 1.
 */
export async function runService<Config extends { readonly logLevel: LogLevel }>(
  name: string,
  loadConfig: (env: Env) => Config,
  start: (config: Config, log: Logger) => Promise<void>,
): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    failStartup(undefined, error);
  }
  const log = createLogger(name, config.logLevel);
  try {
    await start(config, log);
  } catch (error) {
    failStartup(log, error);
  }
}

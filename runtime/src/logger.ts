import { pino, type Logger } from 'pino';
import type { LogLevel } from './common-config.js';

export type { Logger };

/** JSON lines on stdout, one `service` field per process so a log pipeline can split them. */
export function createLogger(service: string, level: LogLevel): Logger {
  return pino({ name: service, level, base: { service }, timestamp: pino.stdTimeFunctions.isoTime });
}

import { createLogger, exitOnSignals, failStartup } from '@tessera/runtime';
import { loadGatewayConfig } from './config.js';
import { createGateway } from './gateway.js';

// Wiring only: read config, build the gateway, listen, drain on SIGTERM.
try {
  const config = loadGatewayConfig(process.env);
  const log = createLogger('gateway', config.logLevel);
  try {
    const gateway = await createGateway(config, log);
    const port = await gateway.listen();
    log.info({ port, canvasId: config.canvasId }, 'gateway listening');
    exitOnSignals(log, () => gateway.drain(), config.shutdownDrainMs + 10_000);
  } catch (error) {
    failStartup(log, error);
  }
} catch (error) {
  failStartup(undefined, error);
}

import { exitOnSignals, runService } from '@tessera/runtime';
import { loadGatewayConfig } from './config.js';
import { createGateway } from './gateway.js';

// Wiring only: read config, build the gateway, listen, drain on SIGTERM.
await runService('gateway', loadGatewayConfig, async (config, log) => {
  const gateway = await createGateway(config, log);
  const port = await gateway.listen();
  log.info({ port, canvasId: config.canvasId }, 'gateway listening');
  exitOnSignals(log, () => gateway.drain(), config.shutdownDrainMs + 10_000);
});

import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * A registry per service with Node's default metrics (CPU, memory, event-loop lag, GC) under
 * their standard names, so stock dashboards work; Tessera's own metrics use the `tessera_` prefix.
 */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 });
  return registry;
}

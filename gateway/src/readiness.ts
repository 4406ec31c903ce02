import type { ConfigSource } from './config-source.js';

/**
 * The gateway's /readyz rule. Ready means "send me players", and it is lost only for reasons of
 * this gateway's own:
 * - while it drains (SIGTERM): new players must go elsewhere;
 * - until it has seen its canvas once since start-up (with CANVAS_BOOTSTRAP=wait, until the
 *   snapshotter restored or created it), so a rollout does not route players to a gateway that
 *   never had a canvas to show.
 * After that a Redis outage never makes it unready. Redis is shared by every replica: a failover
 * or a blip would pull all of them out of the Service at once, and then even the static page and
 * the "canvas temporarily unavailable" notice could not reach players. Instead the gateway stays
 * in, answers placements CANVAS_UNAVAILABLE and canvas reads 503, and tells its sockets
 * (canvas-availability.ts); /healthz stays 200 because the process itself is fine.
 */
export function createReadiness(deps: { readonly isDraining: () => boolean; readonly configs: ConfigSource }): () => Promise<string | undefined> {
  let sawCanvas = false;
  return async () => {
    if (deps.isDraining()) return 'draining';
    if (sawCanvas) return undefined;
    const canvas = await deps.configs.current().catch(() => undefined);
    if (!canvas) return 'canvas config missing (or Redis unreachable) since start-up';
    sawCanvas = true;
    return undefined;
  };
}

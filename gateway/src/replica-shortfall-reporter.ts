import type { Logger } from '@tessera/runtime';
import type { ReplicaShortfall } from '@tessera/store';

/** At most one warning per this long: a replica down makes every batch fall short. */
const LOG_EVERY_MS = 10_000;

/**
 * An `onReplicaShortfall` for the placer: counts every placement that was not acknowledged because
 * too few replicas confirmed it, and warns at most once per LOG_EVERY_MS with what it saw since.
 */
export function replicaShortfallReporter(log: Logger, count: (placements: number) => void): { report: (shortfall: ReplicaShortfall) => void } {
  let loggedAt = -Infinity;
  let unlogged = 0;
  return {
    report(shortfall) {
      count(shortfall.placements);
      unlogged += shortfall.placements;
      const now = Date.now();
      if (now - loggedAt < LOG_EVERY_MS) return;
      loggedAt = now;
      log.warn(
        {
          confirmed: shortfall.confirmed,
          required: shortfall.required,
          placements: unlogged,
          ...(shortfall.error instanceof Error ? { err: shortfall.error.message } : {}),
        },
        'placements were not confirmed by enough replicas in time: answered OUTCOME_UNKNOWN (see PLACEMENT_REPLICAS)',
      );
      unlogged = 0;
    },
  };
}

import { CHALLENGE_PATH } from '@tessera/protocol';
import type { Logger } from '@tessera/runtime';
import { Router } from 'express';
import type { ChallengeIssuer } from './challenge-issuer.js';
import type { ChallengeMetrics } from './challenge-metrics.js';

/**
 * `GET /api/challenge`: a fresh signed challenge for the ALTCHA widget. Served whatever the mode
 * (issuing costs one SHA-256 and two HMACs, and holds no state), never cached.
 */
export function createChallengeRoutes(deps: { issuer: ChallengeIssuer; metrics: ChallengeMetrics; log: Logger }): Router {
  const router = Router();
  router.get(CHALLENGE_PATH, (_request, response) => {
    deps.issuer.issue().then(
      (challenge) => {
        deps.metrics.issued.inc();
        response.set('cache-control', 'no-store').json(challenge);
      },
      (error: unknown) => {
        deps.log.error({ err: error instanceof Error ? error.message : String(error) }, 'challenge could not be issued');
        response.status(500).json({ error: 'INTERNAL' });
      },
    );
  });
  return router;
}

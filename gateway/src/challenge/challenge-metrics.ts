import { Counter, Histogram, type Registry } from 'prom-client';

export interface ChallengeMetrics {
  readonly issued: Counter;
  readonly verifications: Counter<'result'>;
  readonly verifySeconds: Histogram;
}

export function createChallengeMetrics(registry: Registry): ChallengeMetrics {
  return {
    issued: new Counter({ name: 'tessera_challenges_issued_total', help: 'Proof-of-work challenges handed out.', registers: [registry] }),
    verifications: new Counter({
      name: 'tessera_challenge_verifications_total',
      help: 'Proof-of-work solutions judged, by result (ok or an error code).',
      labelNames: ['result'],
      registers: [registry],
    }),
    verifySeconds: new Histogram({
      name: 'tessera_challenge_verify_duration_seconds',
      help: 'Time to judge one solution, the replay check in Redis included.',
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1],
      registers: [registry],
    }),
  };
}

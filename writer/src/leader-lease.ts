import { releaseWriterLease, renewWriterLease, tryWriterLease } from '@tessera/store';
import type { LeaseAttempt, RedisConnection } from '@tessera/store';

export interface LeaderLeaseOptions {
  readonly redis: RedisConnection;
  readonly canvasId: string;
  readonly writerId: string;
  readonly ttlMs: number;
  /** Called once each time a held lease is lost (taken, or expired while Redis was unreachable). */
  readonly onLost: (reason: string) => void;
  /** A renewal failed with an error (Redis unreachable); the lease is kept until it would have expired. */
  readonly onRenewError: (error: unknown) => void;
}

export interface LeaderLease {
  /** True while this process believes it holds the lock. Safety never rests on it: commits are fenced in Redis. */
  readonly held: boolean;
  /**
   * Takes the lock if free and starts renewing it every ttl/4; otherwise says when the holder's
   * lock expires, so the caller can try again right then.
   */
  tryAcquire(): Promise<LeaseAttempt>;
  /** Stops renewing and deletes the lock if still ours, so a standby takes over at once. */
  release(): Promise<void>;
  /** Gives up the lease locally (a fenced commit was refused); the lock in Redis is left to expire or to its holder. */
  drop(reason: string): void;
}

/** Leadership by a Redis lock with a TTL: SET NX PX to take it, compare-and-PEXPIRE to keep it. */
export function createLeaderLease(options: LeaderLeaseOptions): LeaderLease {
  const { redis, canvasId, writerId, ttlMs, onLost, onRenewError } = options;
  // Four renewals per lifetime: a leader survives a stall (GC pause, slow Redis reply, failed
  // renewal) of up to 3/4 of the TTL before it steps down, so a short TTL does not mean flapping.
  const renewEveryMs = Math.max(1, Math.floor(ttlMs / 4));
  let held = false;
  // Incremented on every acquire and loss, so a renewal answering late cannot act on a newer lease.
  let generation = 0;
  let renewTimer: NodeJS.Timeout | undefined;
  let expiryTimer: NodeJS.Timeout | undefined;

  const clearTimers = (): void => {
    clearTimeout(renewTimer);
    clearTimeout(expiryTimer);
    renewTimer = undefined;
    expiryTimer = undefined;
  };

  const lose = (reason: string): void => {
    if (!held) return;
    held = false;
    generation++;
    clearTimers();
    onLost(reason);
  };

  // The lock lives ttl from when the command was sent; stop believing in it by then at the latest.
  const validFrom = (sentAt: number): void => {
    clearTimeout(expiryTimer);
    expiryTimer = setTimeout(() => lose('lease expired before it could be renewed'), Math.max(0, sentAt + ttlMs - Date.now()));
  };

  const scheduleRenew = (): void => {
    const mine = generation;
    renewTimer = setTimeout(() => {
      const sentAt = Date.now();
      renewWriterLease(redis, canvasId, writerId, ttlMs).then(
        (stillOurs) => {
          if (mine !== generation) return;
          if (!stillOurs) {
            lose('lock is held by another writer');
            return;
          }
          validFrom(sentAt);
          scheduleRenew();
        },
        (error: unknown) => {
          if (mine !== generation) return;
          onRenewError(error);
          scheduleRenew();
        },
      );
    }, renewEveryMs);
  };

  return {
    get held() {
      return held;
    },
    async tryAcquire() {
      if (held) return { held: true };
      const sentAt = Date.now();
      const attempt = await tryWriterLease(redis, canvasId, writerId, ttlMs);
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- another call may have won the lease during the await
      if (!attempt.held || held) return attempt;
      held = true;
      generation++;
      validFrom(sentAt);
      scheduleRenew();
      return attempt;
    },
    async release() {
      const wasHeld = held;
      held = false;
      generation++;
      clearTimers();
      if (wasHeld) await releaseWriterLease(redis, canvasId, writerId);
    },
    drop(reason) {
      lose(reason);
    },
  };
}

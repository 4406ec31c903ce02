/**
 * A token bucket per socket: `burst` events at once, refilled at `ratePerSec`. Lives on the
 * socket (no shared state), costs two numbers and no timer.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;
  /** Consecutive refusals; a socket that keeps pushing past its limit is flooding. */
  refusedInARow = 0;

  constructor(
    private readonly ratePerSec: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.updatedAt = now();
  }

  take(): boolean {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.updatedAt) / 1000) * this.ratePerSec);
    this.updatedAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      this.refusedInARow = 0;
      return true;
    }
    this.refusedInARow += 1;
    return false;
  }

  /** True when the bucket has refilled completely: it remembers nothing a new one would not. */
  isFull(): boolean {
    return this.tokens + ((this.now() - this.updatedAt) / 1000) * this.ratePerSec >= this.burst;
  }
}

/** Takes between two sweeps of idle buckets: amortised, so a sweep costs nothing per event. */
const SWEEP_EVERY = 10_000;

/**
 * One bucket per client address, shared by all that address's sockets on this gateway, so many
 * sockets behind one address cannot multiply its rate. Per process on purpose (like the socket
 * counts): the script's own checks are the truth, this only keeps refusals from reaching it.
 */
export class AddressBuckets {
  private readonly buckets = new Map<string, TokenBucket>();
  private takesSinceSweep = 0;

  constructor(
    private readonly ratePerSec: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {}

  take(address: string): boolean {
    if (++this.takesSinceSweep >= SWEEP_EVERY) this.sweep();
    let bucket = this.buckets.get(address);
    if (!bucket) this.buckets.set(address, (bucket = new TokenBucket(this.ratePerSec, this.burst, this.now)));
    return bucket.take();
  }

  /** Addresses with a bucket that is not full (tests, metrics). */
  get size(): number {
    return this.buckets.size;
  }

  /** Drops full buckets, so the map holds only addresses placing right now. */
  sweep(): void {
    this.takesSinceSweep = 0;
    for (const [address, bucket] of this.buckets) if (bucket.isFull()) this.buckets.delete(address);
  }
}

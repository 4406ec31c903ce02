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
}

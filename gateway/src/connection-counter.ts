/**
 * Live sockets per client address on this gateway. Per process on purpose: a gateway that dies
 * takes its counts with it instead of leaking them into Redis.
 */
export class ConnectionCounter {
  private readonly counts = new Map<string, number>();

  constructor(private readonly maxPerAddress: number) {}

  /** Reserves a slot; false when the address is at its limit. */
  tryAcquire(address: string): boolean {
    const count = this.counts.get(address) ?? 0;
    if (count >= this.maxPerAddress) return false;
    this.counts.set(address, count + 1);
    return true;
  }

  release(address: string): void {
    const count = this.counts.get(address) ?? 0;
    if (count <= 1) this.counts.delete(address);
    else this.counts.set(address, count - 1);
  }

  count(address: string): number {
    return this.counts.get(address) ?? 0;
  }
}

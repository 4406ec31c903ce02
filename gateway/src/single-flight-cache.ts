/**
 * Caches one async value for `ttlMs`, and shares a single in-flight load among every caller
 * that asks meanwhile: ten thousand players arriving at once cost one Redis read, not ten thousand.
 * A failed load is not cached.
 */
export class SingleFlightCache<T> {
  private value: { readonly data: T; readonly at: number } | undefined;
  private inFlight: Promise<T> | undefined;
  /** Bumped by invalidate(): a load that started before must not be cached after it. */
  private generation = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly load: () => Promise<T>,
    private readonly now: () => number = Date.now,
  ) {}

  /** `hit` says whether the value came from the cache (or a shared in-flight load) or a fresh load. */
  async get(): Promise<{ data: T; hit: boolean }> {
    if (this.value && this.now() - this.value.at < this.ttlMs) return { data: this.value.data, hit: true };
    if (this.inFlight) return { data: await this.inFlight, hit: true };
    const loading = this.load();
    const generation = this.generation;
    this.inFlight = loading;
    try {
      const data = await loading;
      if (generation === this.generation) this.value = { data, at: this.now() };
      return { data, hit: false };
    } finally {
      if (this.inFlight === loading) this.inFlight = undefined;
    }
  }

  /**
   * Like get, but a value `accept` refuses (too old for this caller) is loaded again, once, and
   * that load is shared too: every caller that finds the same value too old waits for one read.
   */
  async getAccepted(accept: (data: T) => boolean): Promise<{ data: T; hit: boolean }> {
    const first = await this.get();
    if (accept(first.data)) return first;
    // Expire only the value this caller saw; a newer one (or a load under way) is shared as is.
    if (this.value?.data === first.data) this.value = undefined;
    return this.get();
  }

  /** Forgets the cached value (a config change, say) so the next get reloads. */
  invalidate(): void {
    this.value = undefined;
    this.inFlight = undefined;
    this.generation++;
  }
}

import assert from 'node:assert/strict';
import { SingleFlightCache } from '../src/single-flight-cache.js';

describe('the single-flight cache', () => {
  it('shares one load among concurrent callers and serves it until it expires', async () => {
    let now = 0;
    let loads = 0;
    const cache = new SingleFlightCache(
      100,
      () => Promise.resolve(++loads),
      () => now,
    );
    const results = await Promise.all(Array.from({ length: 50 }, () => cache.get()));
    assert.equal(loads, 1);
    assert.deepEqual(new Set(results.map((result) => result.data)), new Set([1]));
    assert.equal(results.filter((result) => !result.hit).length, 1);
    now = 99;
    assert.deepEqual(await cache.get(), { data: 1, hit: true });
    now = 100;
    assert.deepEqual(await cache.get(), { data: 2, hit: false });
  });

  it('does not cache a load that was in flight when it was invalidated', async () => {
    let release!: () => void;
    let loads = 0;
    const cache = new SingleFlightCache(10_000, () => {
      loads++;
      return loads === 1 ? new Promise<number>((resolve) => (release = () => resolve(1))) : Promise.resolve(loads);
    });
    const first = cache.get();
    cache.invalidate();
    release();
    assert.equal((await first).data, 1);
    assert.equal((await cache.get()).data, 2, 'the stale load must not have been cached');
  });

  it('does not cache a failure', async () => {
    let calls = 0;
    // eslint-disable-next-line @typescript-eslint/require-await -- async so that the throw becomes a rejection
    const cache = new SingleFlightCache(10_000, async () => {
      calls++;
      if (calls === 1) throw new Error('redis down');
      return calls;
    });
    await assert.rejects(cache.get(), /redis down/);
    assert.equal((await cache.get()).data, 2);
  });
});

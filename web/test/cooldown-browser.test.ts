// The player page's countdown in real Chromium against a real gateway (from its dist/main.js):
// an admin changes the cooldown while the player waits, and the countdown follows at once.
import type { Page } from 'playwright-core';
import { useAdminCluster } from './support/admin-cluster.js';
import { clickPixel, waitForLivePlayer } from './support/browser-harness.js';

describe('the countdown in a browser', function () {
  this.timeout(90_000);
  const cluster = useAdminCluster({ CANVAS_COOLDOWN_MS: '300000' }, { writer: 'none' });

  const setCooldown = (cooldownMs: number) => cluster.admin('PUT', '/cooldown', { cooldownMs });

  const countdown = (page: Page): Promise<string> => page.evaluate(() => document.getElementById('cooldown')?.textContent ?? '');
  /** Waits until the countdown's text matches `pattern`; says what it showed if it never does. */
  async function waitForCountdown(page: Page, pattern: RegExp, what: string): Promise<void> {
    await page
      .waitForFunction((source) => new RegExp(source).test(document.getElementById('cooldown')?.textContent ?? ''), pattern.source, { timeout: 5_000 })
      .catch(async (error: unknown) => {
        throw new Error(`${what}: the countdown shows "${await countdown(page)}" (${(error as Error).message})`);
      });
  }

  it('follows a cooldown change pushed while the player waits: 5 min, then 1 min, then ready', async () => {
    const page = await cluster.page('/#x=20.5&y=20.5&z=16', 'player', { width: 900, height: 700 });
    await waitForLivePlayer(page);
    await waitForCountdown(page, /^Ready$/, 'before placing');

    await clickPixel(page, 20, 20);
    await page.waitForFunction(() => window.__tessera!.lastResult?.ok === true, null, { timeout: 6_000 });
    await waitForCountdown(page, /^(4:[0-5]\d|5:00)$/, 'after placing under 5 min');

    await setCooldown(60_000);
    await waitForCountdown(page, /^(0:[0-5]\d|1:00)$/, 'after the push of 1 min');

    await setCooldown(0);
    await waitForCountdown(page, /^Ready$/, 'after the push of 0');
    await clickPixel(page, 21, 20);
    await page.waitForFunction(() => window.__tessera!.placeCount === 2 && window.__tessera!.lastResult?.ok === true, null, { timeout: 6_000 });
  });
});

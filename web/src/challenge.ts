import { CHALLENGE_PATH } from '@tessera/protocol';
import './challenge.css';

/** Solves the gateway's proof-of-work challenge with the ALTCHA widget, shown only when one is asked for. */
export interface ChallengeSolver {
  /** Fetches a challenge, solves it in the widget's workers, and resolves with the widget's payload. */
  solve(): Promise<string>;
}

/** What the browser tests read: how many solves and how long the last took. */
export interface ChallengeStats {
  solves: number;
  /** Wall time of the last solve (fetch + proof of work), ms. */
  lastSolveMs: number;
  /** The widget's own measure of the proof of work alone, ms. */
  lastWorkMs: number;
  /** Every solve's work time, ms (the browser tests' figures). */
  workMs: number[];
  /** Every solve's wall time, ms. */
  solveMs: number[];
}

interface AltchaWidget extends HTMLElement {
  configure(config: Record<string, unknown>): Promise<void>;
  reset(): void;
  verify(): Promise<{ payload: string } | null>;
}

declare global {
  interface Window {
    __tesseraChallenge?: ChallengeStats;
  }
}

/**
 * Longest a solve may take: 10× the default difficulty takes 4–10 s in a desktop browser on a busy machine. A solve
 * that hangs (the widget's workers stuck, its code failing to load) becomes a refusal the caller
 * retries with a fresh widget, instead of a placement that never answers.
 */
const SOLVE_DEADLINE_MS = 60_000;

export function createChallengeSolver(deps: { container: HTMLElement; challengeUrl?: string }): ChallengeSolver {
  const stats: ChallengeStats = { solves: 0, lastSolveMs: 0, lastWorkMs: 0, workMs: [], solveMs: [] };
  window.__tesseraChallenge = stats;
  let widget: Promise<AltchaWidget> | undefined;
  let solving: Promise<string> | undefined;

  /** The widget's code (about 110 kB) is loaded the first time a challenge is asked for, never before. */
  function mount(): Promise<AltchaWidget> {
    widget ??= import('altcha').then(async () => {
      const element = document.createElement('altcha-widget') as AltchaWidget;
      deps.container.append(element);
      await customElements.whenDefined('altcha-widget');
      // No artificial minimum: the work itself is the cost, and players wait for nothing else.
      await element.configure({ challenge: deps.challengeUrl ?? CHALLENGE_PATH, auto: 'off', minDuration: 0 });
      return element;
    });
    return widget;
  }

  /** Drops the widget (a failed load, a hung solve): the next solve mounts a fresh one. */
  function unmount(): void {
    const current = widget;
    widget = undefined;
    void current?.then(
      (element) => {
        element.remove();
      },
      () => undefined,
    );
  }

  async function run(): Promise<string> {
    const started = performance.now();
    deps.container.hidden = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        reject(new Error(`the challenge was not solved within ${String(SOLVE_DEADLINE_MS / 1000)} s`));
      }, SOLVE_DEADLINE_MS);
    });
    let result: { payload: string } | null;
    try {
      result = await Promise.race([
        mount().then(async (element) => {
          element.reset();
          return element.verify();
        }),
        deadline,
      ]);
    } catch (error) {
      unmount();
      throw error;
    } finally {
      clearTimeout(timer);
    }
    if (!result?.payload) throw new Error('the challenge was not solved');
    stats.solves++;
    stats.lastSolveMs = performance.now() - started;
    stats.lastWorkMs = workTime(result.payload);
    stats.workMs.push(stats.lastWorkMs);
    stats.solveMs.push(stats.lastSolveMs);
    deps.container.hidden = true;
    return result.payload;
  }

  return {
    solve() {
      // One solve at a time: a handshake and a placement asking together share it.
      solving ??= run().finally(() => {
        solving = undefined;
      });
      return solving;
    },
  };
}

function workTime(payload: string): number {
  try {
    const time = (JSON.parse(atob(payload)) as { solution?: { time?: unknown } }).solution?.time;
    return typeof time === 'number' ? time : 0;
  } catch {
    return 0;
  }
}

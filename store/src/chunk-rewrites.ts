import type { CanvasKeys } from '@tessera/protocol';

/**
 * Admin rewrites of pixels through the event stream, one script call per piece of a chunk
 * (paint-region-5.lua, revert-pixels-5.lua): both answer the same codes first and are run the same
 * way, one call after another so placements slip in between, until one is refused.
 */

/** A rewrite call's verdict: done, no canvas, or refused while a palette remap is in progress. */
export type RewriteVerdict = 'done' | 'missing' | 'remapping';

/** One call's answer, its reply fields by name. */
export interface RewriteReply {
  readonly code: number;
  /** Pixels rewritten (or, in a dry run, that would be). */
  readonly changed: number;
  /** Pixels left alone on purpose (revert: another user owns them now); 0 where there are none. */
  readonly skipped: number;
  /** The call's last event, '' when it appended none. */
  readonly lastEventId: string;
}

export interface RewriteRun {
  /** 'done' when every call was; else the first refusal, after which no call was made. */
  readonly verdict: RewriteVerdict;
  readonly changed: number;
  readonly skipped: number;
  readonly lastEventId: string | undefined;
}

/** The keys both rewrite scripts take (config, chunk, events, owners, user numbers), then the chunk's cx, cy. */
export function rewriteTarget(keys: CanvasKeys, cx: number, cy: number): (string | number)[] {
  return [keys.config, keys.chunk(cx, cy), keys.events, keys.owners(cx, cy), keys.userNumbers, cx, cy];
}

/** The one place the rewrite scripts' result codes get their meaning (`script` names the script in an error). */
export function rewriteVerdict(script: string, code: number): RewriteVerdict {
  switch (code) {
    case 0:
      return 'done';
    case 1:
      return 'missing';
    case 3:
      return 'remapping';
    default:
      throw new Error(`${script} returned unknown code ${String(code)}`);
  }
}

/** Makes the calls in order, each once the one before answered, summing them; stops at the first refused. */
export async function runRewrites(script: string, calls: Iterable<() => Promise<RewriteReply>>): Promise<RewriteRun> {
  let changed = 0;
  let skipped = 0;
  let lastEventId: string | undefined;
  for (const call of calls) {
    const reply = await call();
    const verdict = rewriteVerdict(script, reply.code);
    changed += reply.changed;
    skipped += reply.skipped;
    if (reply.lastEventId) lastEventId = reply.lastEventId;
    if (verdict !== 'done') return { verdict, changed, skipped, lastEventId };
  }
  return { verdict: 'done', changed, skipped, lastEventId };
}

/**
 * Why a snapshot job failed, as a code from a closed list. BullMQ carries only a job's
 * `failedReason` string from the snapshotter to whoever waits for the job, so the snapshotter
 * prefixes that text with the code (`[SNAPSHOT_NOT_FOUND] snapshot … does not exist`) and the
 * client reads the code back: callers switch on the code, never on the wording of the message
 * (as BullMQ's own `finished-errors.ts` does with its script result codes).
 */
export const SnapshotFailureCode = {
  /** The key is not a snapshot key (`snapshots/<time>_<position>.tsnap`). */
  BadKey: 'SNAPSHOT_BAD_KEY',
  /** No snapshot has that key. */
  NotFound: 'SNAPSHOT_NOT_FOUND',
  /** The object is not a snapshot this snapshotter can read (truncated, corrupt, a newer format). */
  Unreadable: 'SNAPSHOT_UNREADABLE',
  /** The job's data is malformed (a region out of range, a missing key, an unknown job). */
  BadRequest: 'SNAPSHOT_BAD_REQUEST',
  /** No snapshotter finished the job in time. */
  TimedOut: 'SNAPSHOT_TIMED_OUT',
  /** Anything else (S3 or Redis unreachable, a bug): the reason carries no code. */
  Failed: 'SNAPSHOT_FAILED',
} as const;
export type SnapshotFailureCode = (typeof SnapshotFailureCode)[keyof typeof SnapshotFailureCode];

const ALL_CODES: ReadonlySet<string> = new Set(Object.values(SnapshotFailureCode));
const CODED_REASON = /^\[([A-Z_]+)\] ([\s\S]*)$/;

export function isSnapshotFailureCode(value: unknown): value is SnapshotFailureCode {
  return typeof value === 'string' && ALL_CODES.has(value);
}

/** The text a failed job carries: the code, then the message for people. */
export function encodeSnapshotFailure(code: SnapshotFailureCode, message: string): string {
  return `[${code}] ${message}`;
}

/** A job's failure reason read back; a reason without a known code is `Failed` with the whole text. */
export function decodeSnapshotFailure(reason: string): { readonly code: SnapshotFailureCode; readonly message: string } {
  const match = CODED_REASON.exec(reason);
  if (match && isSnapshotFailureCode(match[1])) return { code: match[1], message: match[2] ?? '' };
  return { code: SnapshotFailureCode.Failed, message: reason };
}

/**
 * A snapshot or history object that cannot be used: wrong magic, a newer format version, a bad
 * checksum, a truncated body or a value outside the limits. The message says which, and names
 * the object when it is known. A restore that meets one changes nothing.
 */
export class SnapshotFormatError extends Error {
  override readonly name = 'SnapshotFormatError';

  /** The same problem, attributed to an object (its S3 key). */
  withKey(key: string): SnapshotFormatError {
    const error = new SnapshotFormatError(`${key}: ${this.message}`);
    error.stack = this.stack;
    return error;
  }
}

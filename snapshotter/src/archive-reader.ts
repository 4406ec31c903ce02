/**
 * `@tessera/snapshotter/archive`: what a reader of the archive needs (the gateway's history
 * viewer): the object formats, the key layout and the S3 client, without BullMQ or the worker.
 * The formats stay defined once, here; readers decode with the same code the snapshotter writes with.
 */
export { decodeSnapshot, type CanvasSnapshot } from './snapshot-format.js';
export { decodeSegment, type HistoryEvent, type HistorySegment } from './history-format.js';
export { SnapshotFormatError } from './format-error.js';
export { canvasFolder, HISTORY_DIR, SNAPSHOTS_DIR } from './snapshot-keys.js';
export { createObjectStore, createS3Client, type ObjectStore, type S3Settings } from './object-store.js';

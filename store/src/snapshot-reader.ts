import { canvasKeys, chunkGrid, parsePosition, type ChunkData, type StreamPosition } from '@tessera/protocol';
import type { Redis } from 'ioredis';
import { callScript, defineScript } from './lua-scripts.js';

/** Everything a snapshot holds, read in one atomic step. */
export interface CanvasSnapshotState {
  /** Id of the newest stream entry when the chunks were read (0-0 for an empty stream). */
  readonly position: StreamPosition;
  /** The config hash exactly as stored, every field (a restore writes it back). */
  readonly configHash: Readonly<Record<string, string>>;
  readonly width: number;
  readonly height: number;
  /** Chunks that exist, with their bytes exactly as stored (possibly shorter than a full chunk). */
  readonly chunks: readonly ChunkData[];
}

/** A resize can land between reading the config and reading the chunks; retry a few times. */
const MAX_RESIZE_RETRIES = 5;

/**
 * Reads the whole config hash, the stream position and every chunk atomically (see
 * read-snapshot.lua). Undefined when the canvas does not exist.
 */
export async function readSnapshotState(redis: Redis, canvasId: string): Promise<CanvasSnapshotState | undefined> {
  defineScript(redis, 'tesseraReadSnapshot', 'read-snapshot.lua');
  const keys = canvasKeys(canvasId);
  const size = await redis.hmget(keys.config, 'width', 'height');
  if (!size[0] || !size[1]) return undefined;
  let width = Number(size[0]);
  let height = Number(size[1]);
  for (let attempt = 0; attempt < MAX_RESIZE_RETRIES; attempt++) {
    const { columns, rows } = chunkGrid(width, height);
    const chunkKeys: string[] = [];
    for (let cy = 0; cy < rows; cy++) for (let cx = 0; cx < columns; cx++) chunkKeys.push(keys.chunk(cx, cy));
    const reply = await callScript<unknown[]>(redis, 'tesseraReadSnapshotBuffer', [
      2 + chunkKeys.length,
      keys.config,
      keys.events,
      ...chunkKeys,
      columns,
      rows,
    ]);
    const status = String(reply[0]);
    if (status === 'missing') return undefined;
    if (status === 'resized') {
      width = Number(reply[1]);
      height = Number(reply[2]);
      continue;
    }
    if (status !== 'ok') throw new Error(`read-snapshot returned an unknown status ${status}`);
    const position = parsePosition(String(reply[1]));
    if (!position) throw new Error(`read-snapshot returned an invalid position ${String(reply[1])}`);
    const flat = reply[2];
    if (!Array.isArray(flat)) throw new Error('read-snapshot returned no config hash');
    const configHash: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) configHash[String(flat[i])] = String(flat[i + 1]);
    const chunks: ChunkData[] = [];
    for (let index = 0; index < chunkKeys.length; index++) {
      const bytes = reply[3 + index];
      if (bytes instanceof Buffer && bytes.length > 0) {
        chunks.push({ cx: index % columns, cy: Math.floor(index / columns), bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length) });
      }
    }
    return { position, configHash, width, height, chunks };
  }
  throw new Error(`canvas kept resizing during ${MAX_RESIZE_RETRIES} reads`);
}

import { canvasKeys, chunkGrid, type ChunkData } from '@tessera/protocol';
import type { RedisConnection } from './redis-connection.js';
import { callScript, type ScriptName } from './lua-scripts.js';

/** A resize can land between reading the size and reading the chunks; retry a few times. */
const MAX_RESIZE_RETRIES = 5;

export interface ChunkGridReply {
  /** The script's reply, starting with 'ok'. */
  readonly reply: readonly unknown[];
  readonly width: number;
  readonly height: number;
  readonly columns: number;
  /** How many chunk keys were passed (columns × rows), in row order. */
  readonly chunkCount: number;
}

/**
 * Runs a variable-key read script (read-canvas.lua, read-snapshot.lua; bulk replies as Buffers) over the config hash, the
 * event stream and every chunk key of the grid. The script refuses with 'resized' when the grid
 * it was given no longer matches the config (a resize in between), and the call is repeated with
 * the new size. Undefined when the canvas does not exist.
 */
export async function callOverChunkGrid(
  redis: RedisConnection,
  canvasId: string,
  script: ScriptName,
  size: { width: number; height: number },
): Promise<ChunkGridReply | undefined> {
  const keys = canvasKeys(canvasId);
  let { width, height } = size;
  for (let attempt = 0; attempt < MAX_RESIZE_RETRIES; attempt++) {
    const { columns, rows } = chunkGrid(width, height);
    const chunkKeys: string[] = [];
    for (let cy = 0; cy < rows; cy++) for (let cx = 0; cx < columns; cx++) chunkKeys.push(keys.chunk(cx, cy));
    const reply = await callScript<unknown[]>(redis, script, [2 + chunkKeys.length, keys.config, keys.events, ...chunkKeys, columns, rows], 'buffers');
    const status = String(reply[0]);
    if (status === 'missing') return undefined;
    if (status === 'resized') {
      width = Number(reply[1]);
      height = Number(reply[2]);
      continue;
    }
    if (status !== 'ok') throw new Error(`${script} returned an unknown status ${status}`);
    return { reply, width, height, columns, chunkCount: chunkKeys.length };
  }
  throw new Error(`canvas kept resizing during ${MAX_RESIZE_RETRIES} reads`);
}

/** The chunks that exist among `count` reply entries from `offset` on (absent or empty ones are background). */
export function chunksFromReply(reply: readonly unknown[], offset: number, columns: number, count: number): ChunkData[] {
  const chunks: ChunkData[] = [];
  for (let index = 0; index < count; index++) {
    const bytes: unknown = reply[offset + index];
    if (bytes instanceof Buffer && bytes.length > 0) {
      chunks.push({
        cx: index % columns,
        cy: Math.floor(index / columns),
        bytes: new Uint8Array(bytes.buffer as ArrayBufferLike, bytes.byteOffset, bytes.length),
      });
    }
  }
  return chunks;
}

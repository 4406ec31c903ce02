import { canvasKeys, chunkGrid, parsePosition, type CanvasFrame } from '@tessera/protocol';
import type { RedisConnection } from './redis-connection.js';
import { readCanvasConfig } from './canvas-config-store.js';
import { callOverChunkGrid, chunksFromReply } from './chunk-grid-read.js';

/**
 * Reads every chunk and the stream position they reflect, atomically (invariant 1).
 * Undefined when the canvas does not exist.
 */
export async function readCanvas(redis: RedisConnection, canvasId: string): Promise<CanvasFrame | undefined> {
  const config = await readCanvasConfig(redis, canvasId);
  if (!config) return undefined;
  const grid = await callOverChunkGrid(redis, canvasId, 'tesseraReadCanvas', config);
  if (!grid) return undefined;
  const { reply } = grid;
  const position = parsePosition(String(reply[1]));
  if (!position) throw new Error(`read-canvas returned an invalid position ${String(reply[1])}`);
  return {
    position,
    configVersion: Number(reply[2]),
    width: Number(reply[3]),
    height: Number(reply[4]),
    chunks: chunksFromReply(reply, 5, grid.columns, grid.chunkCount),
  };
}

/** Reads one chunk with the stream position it reflects (MULTI/EXEC: atomic). */
export async function readChunk(redis: RedisConnection, canvasId: string, cx: number, cy: number): Promise<CanvasFrame | undefined> {
  const keys = canvasKeys(canvasId);
  const results = await redis
    .multi()
    .hmget(keys.config, 'width', 'height', 'version')
    .xrevrange(keys.events, '+', '-', 'COUNT', 1)
    .getBuffer(keys.chunk(cx, cy))
    .exec();
  if (!results) throw new Error('read-chunk transaction was aborted');
  for (const [error] of results) if (error) throw error;
  const [width, height, version] = results[0]![1] as (string | null)[];
  if (!width || !height || !version) return undefined;
  const last = results[1]![1] as [string, string[]][];
  const position = parsePosition(last[0]?.[0] ?? '0-0');
  if (!position) throw new Error('read-chunk found an invalid stream id');
  const bytes = results[2]![1] as Buffer | null;
  const { columns, rows } = chunkGrid(Number(width), Number(height));
  const inside = cx < columns && cy < rows;
  return {
    position,
    configVersion: Number(version),
    width: Number(width),
    height: Number(height),
    chunks: inside && bytes && bytes.length > 0 ? [{ cx, cy, bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length) }] : [],
  };
}

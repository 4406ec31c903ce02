import { canvasKeys, chunkGrid, parsePosition, type CanvasFrame, type ChunkData } from '@tessera/protocol';
import type { Redis } from 'ioredis';
import { readCanvasConfig } from './canvas-config-store.js';
import { callScript, defineScript } from './lua-scripts.js';

/** A resize can land between reading the config and reading the chunks; retry a few times. */
const MAX_RESIZE_RETRIES = 5;

/**
 * Reads every chunk and the stream position they reflect, atomically (invariant 1).
 * Undefined when the canvas does not exist.
 */
export async function readCanvas(redis: Redis, canvasId: string): Promise<CanvasFrame | undefined> {
  defineScript(redis, 'tesseraReadCanvas', 'read-canvas.lua');
  const keys = canvasKeys(canvasId);
  const config = await readCanvasConfig(redis, canvasId);
  if (!config) return undefined;
  let { width, height } = config;
  for (let attempt = 0; attempt < MAX_RESIZE_RETRIES; attempt++) {
    const { columns, rows } = chunkGrid(width, height);
    const chunkKeys: string[] = [];
    for (let cy = 0; cy < rows; cy++) for (let cx = 0; cx < columns; cx++) chunkKeys.push(keys.chunk(cx, cy));
    const reply = await callScript<Array<Buffer | number | null>>(redis, 'tesseraReadCanvasBuffer', [
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
    const position = parsePosition(String(reply[1]));
    if (!position) throw new Error(`read-canvas returned an invalid position ${String(reply[1])}`);
    const chunks: ChunkData[] = [];
    for (let index = 0; index < chunkKeys.length; index++) {
      const bytes = reply[5 + index];
      if (bytes instanceof Buffer && bytes.length > 0) {
        chunks.push({ cx: index % columns, cy: Math.floor(index / columns), bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length) });
      }
    }
    return { position, configVersion: Number(reply[2]), width: Number(reply[3]), height: Number(reply[4]), chunks };
  }
  throw new Error(`canvas kept resizing during ${MAX_RESIZE_RETRIES} reads`);
}

/** Reads one chunk with the stream position it reflects (MULTI/EXEC: atomic). */
export async function readChunk(redis: Redis, canvasId: string, cx: number, cy: number): Promise<CanvasFrame | undefined> {
  const keys = canvasKeys(canvasId);
  const results = await redis
    .multi()
    .hmget(keys.config, 'width', 'height', 'version')
    .xrevrange(keys.events, '+', '-', 'COUNT', 1)
    .getBuffer(keys.chunk(cx, cy))
    .exec();
  if (!results) throw new Error('read-chunk transaction was aborted');
  for (const [error] of results) if (error) throw error;
  const [width, height, version] = results[0]![1] as Array<string | null>;
  if (!width || !height || !version) return undefined;
  const last = results[1]![1] as Array<[string, string[]]>;
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

import { canvasKeys, parsePosition, type ChunkData, type StreamPosition } from '@tessera/protocol';
import type { RedisConnection } from './redis-connection.js';
import { callOverChunkGrid, chunksFromReply } from './chunk-grid-read.js';

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

/**
 * Reads the whole config hash, the stream position and every chunk atomically (see
 * read-snapshot.lua). Undefined when the canvas does not exist.
 */
export async function readSnapshotState(redis: RedisConnection, canvasId: string): Promise<CanvasSnapshotState | undefined> {
  const size = await redis.hmget(canvasKeys(canvasId).config, 'width', 'height');
  if (!size[0] || !size[1]) return undefined;
  const grid = await callOverChunkGrid(redis, canvasId, 'tesseraReadSnapshot', { width: Number(size[0]), height: Number(size[1]) });
  if (!grid) return undefined;
  const { reply } = grid;
  const position = parsePosition(String(reply[1]));
  if (!position) throw new Error(`read-snapshot returned an invalid position ${String(reply[1])}`);
  const flat = reply[2];
  if (!Array.isArray(flat)) throw new Error('read-snapshot returned no config hash');
  const configHash: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) configHash[String(flat[i])] = String(flat[i + 1]);
  return { position, configHash, width: grid.width, height: grid.height, chunks: chunksFromReply(reply, 3, grid.columns, grid.chunkCount) };
}

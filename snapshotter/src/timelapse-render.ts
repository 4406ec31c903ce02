/**
 * Renders a timelapse of a region: the canvas replayed from a keyframe through every placement,
 * sampled at evenly spaced times, each frame piped to the system `ffmpeg` as raw rgb24 at one
 * pixel per canvas pixel; ffmpeg scales up by an integer factor with nearest-neighbour (crisp
 * pixels, as the seed's offline timelapses) and encodes H.264 into an MP4 file.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { stat } from 'node:fs/promises';
import { parseHexColor } from '@tessera/protocol';
import type { CanvasPixels } from './canvas-image.js';
import type { HistorySource } from './history-replay.js';
import { TimelapseQuality, type HistoryRegion, type TimelapseRequest } from './history-job-types.js';

/** Bytes of ffmpeg's stderr kept for the error message. */
const MAX_STDERR_BYTES = 4_096;

export interface TimelapseOptions {
  readonly source: HistorySource;
  readonly request: TimelapseRequest;
  /** Where the MP4 is written (a temporary file the caller removes). */
  readonly outputFile: string;
  readonly ffmpegPath: string;
  /** x264 preset of `standard` quality (a speed/size trade; `veryfast` by default). */
  readonly preset?: string;
  /** Called with 0…1 as frames are written. */
  readonly onProgress?: (fraction: number) => void;
  readonly signal?: AbortSignal;
}

export interface TimelapseOutcome {
  readonly frames: number;
  readonly events: number;
  readonly bytes: number;
  /** Part of the history had been lost (the stream was trimmed before it was archived). */
  readonly gap: boolean;
}

/** The frame count of a request: duration × fps, at least one. */
export function frameCount(request: Pick<TimelapseRequest, 'durationSeconds' | 'fps'>): number {
  return Math.max(1, Math.round(request.durationSeconds * request.fps));
}

/** Time of frame `index` (0-based): evenly spaced, the last one exactly at `to`. */
export function frameTime(request: Pick<TimelapseRequest, 'from' | 'to'>, frames: number, index: number): number {
  return request.from + Math.floor(((request.to - request.from) * (index + 1)) / frames);
}

/** ffmpeg's arguments: raw rgb24 frames in on stdin, MP4 out. */
export function ffmpegArguments(request: TimelapseRequest, outputFile: string, preset: string): string[] {
  const { width, height } = request.region;
  const scale = request.scale;
  const filters = [`scale=iw*${scale}:ih*${scale}:flags=neighbor`];
  const codec =
    request.quality === TimelapseQuality.Lossless
      ? // Exact RGB: no colour-space conversion and no chroma subsampling.
        ['-c:v', 'libx264rgb', '-qp', '0', '-preset', preset, '-pix_fmt', 'rgb24']
      : ['-c:v', 'libx264', '-crf', '18', '-preset', preset, '-pix_fmt', 'yuv420p'];
  // yuv420p needs even sides: pad odd ones with one background row or column.
  if (request.quality !== TimelapseQuality.Lossless && ((width * scale) % 2 === 1 || (height * scale) % 2 === 1)) {
    filters.push('pad=ceil(iw/2)*2:ceil(ih/2)*2');
  }
  return [
    '-hide_banner',
    '-loglevel',
    'error',
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    '-s',
    `${width}x${height}`,
    '-r',
    String(request.fps),
    '-i',
    'pipe:0',
    '-vf',
    filters.join(','),
    ...codec,
    '-r',
    String(request.fps),
    '-movflags',
    '+faststart',
    '-f',
    'mp4',
    '-y',
    outputFile,
  ];
}

export async function renderTimelapse(options: TimelapseOptions): Promise<TimelapseOutcome> {
  const { source, request, outputFile } = options;
  const { x: left, y: top, width, height } = request.region;
  const frames = frameCount(request);
  const keyframe = await source.keyframe(request.from);
  if (!keyframe) throw new Error('the bucket holds no snapshot of this canvas: nothing to render from');
  const pixels = cropRegion(keyframe.image, request.region);
  const colors = new Uint8Array(256 * 3);
  const palette = (await source.palette(request.to)) ?? keyframe.palette;
  palette.forEach((color, index) => colors.set(parseHexColor(color), index * 3));
  // Indices beyond the palette (possible only from outside Tessera) show as the background.
  for (let index = palette.length; index < 256; index++) colors.copyWithin(index * 3, 0, 3);

  const child = spawn(options.ffmpegPath, ffmpegArguments(request, outputFile, options.preset ?? 'veryfast'), { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (data: Buffer) => {
    if (stderr.length < MAX_STDERR_BYTES) stderr += data.toString('utf8').slice(0, MAX_STDERR_BYTES - stderr.length);
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'ENOENT'
          ? new Error(`ffmpeg was not found at ${JSON.stringify(options.ffmpegPath)} (FFMPEG_PATH): install it (apt-get install ffmpeg)`)
          : error,
      ),
    );
    child.once('close', (code) => resolve(code));
  });
  // A write after ffmpeg died fails with EPIPE; the exit code tells why.
  child.stdin.on('error', () => undefined);
  const abort = (): void => {
    child.kill('SIGKILL');
  };
  options.signal?.addEventListener('abort', abort, { once: true });

  const frame = Buffer.alloc(width * height * 3);
  let written = 0;
  let events = 0;
  let gap = false;
  const writeFrame = async (): Promise<void> => {
    for (let i = 0, out = 0; i < pixels.length; i++, out += 3) {
      const index = pixels[i]! * 3;
      frame[out] = colors[index]!;
      frame[out + 1] = colors[index + 1]!;
      frame[out + 2] = colors[index + 2]!;
    }
    if (options.signal?.aborted) throw new Error('the timelapse was cancelled');
    if (child.exitCode !== null) throw new Error(`ffmpeg stopped early: ${stderr.trim() || `exit ${child.exitCode}`}`);
    // ffmpeg consumes a copy: the buffer is reused for the next frame.
    if (!child.stdin.write(Buffer.from(frame))) await Promise.race([once(child.stdin, 'drain'), exited]);
    written++;
    if (written % Math.max(1, Math.floor(frames / 100)) === 0) options.onProgress?.(written / frames);
  };

  try {
    let next = frameTime(request, frames, 0);
    for await (const batch of source.events(keyframe.position, request.to, () => (gap = true))) {
      for (const event of batch) {
        while (written < frames && event.position.ms > next) {
          await writeFrame();
          next = frameTime(request, frames, written);
        }
        const column = event.x - left;
        const row = event.y - top;
        if (column >= 0 && column < width && row >= 0 && row < height) pixels[row * width + column] = event.color;
        events++;
      }
    }
    while (written < frames) await writeFrame();
    child.stdin.end();
    const code = await exited;
    if (code !== 0) throw new Error(`ffmpeg failed (${code === null ? 'killed' : `exit ${code}`}): ${stderr.trim()}`);
  } catch (error) {
    child.kill('SIGKILL');
    await exited.catch(() => undefined);
    throw error;
  } finally {
    options.signal?.removeEventListener('abort', abort);
  }
  options.onProgress?.(1);
  return { frames, events, bytes: (await stat(outputFile)).size, gap };
}

/** The region of a canvas image as its own image; outside the canvas: background (0). */
export function cropRegion(image: CanvasPixels, region: HistoryRegion): Uint8Array {
  const out = new Uint8Array(region.width * region.height);
  const columns = Math.max(0, Math.min(region.width, image.width - region.x));
  for (let row = 0; row < region.height && region.y + row < image.height && columns > 0; row++) {
    const start = (region.y + row) * image.width + region.x;
    out.set(image.pixels.subarray(start, start + columns), row * region.width);
  }
  return out;
}

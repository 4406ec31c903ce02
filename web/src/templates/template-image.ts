import { TEMPLATE_LIMITS } from '@tessera/protocol';

/** Why an image could not become a template, worded for the player. */
export class TemplateImageError extends Error {
  override readonly name = 'TemplateImageError';
}

const MIB = 1024 * 1024;

/**
 * Downloads (a URL) or reads (a file) a template image within the caps, and decodes it at its
 * board size: the size is checked before any pixel is decoded, and createImageBitmap decodes off
 * the main thread, so a huge or hostile image costs a message, never a frozen tab.
 */
export async function loadTemplatePixels(source: string | Blob, scale: number, signal?: AbortSignal): Promise<ImageData> {
  const blob = typeof source === 'string' ? await download(source, signal) : source;
  if (blob.size > TEMPLATE_LIMITS.maxImageBytes) throw new TemplateImageError(`The image is larger than ${TEMPLATE_LIMITS.maxImageBytes / MIB} MiB.`);
  if (blob.type && !blob.type.startsWith('image/')) throw new TemplateImageError('That is not an image.');
  const { width, height } = await measure(blob);
  if (width > TEMPLATE_LIMITS.maxImageSide || height > TEMPLATE_LIMITS.maxImageSide) {
    throw new TemplateImageError(`The image is ${width}×${height}; templates may be at most ${TEMPLATE_LIMITS.maxImageSide}×${TEMPLATE_LIMITS.maxImageSide}.`);
  }
  const boardWidth = Math.max(1, Math.round(width * scale));
  const boardHeight = Math.max(1, Math.round(height * scale));
  if (boardWidth > TEMPLATE_LIMITS.maxBoardSide || boardHeight > TEMPLATE_LIMITS.maxBoardSide) {
    throw new TemplateImageError(
      `At this scale the template covers ${boardWidth}×${boardHeight} pixels; at most ${TEMPLATE_LIMITS.maxBoardSide}×${TEMPLATE_LIMITS.maxBoardSide}. Try a smaller scale.`,
    );
  }
  let bitmap: ImageBitmap;
  try {
    // Nearest-neighbour: a pixel-art image scaled down keeps its exact colours.
    bitmap = await createImageBitmap(blob, { resizeWidth: boardWidth, resizeHeight: boardHeight, resizeQuality: 'pixelated' });
  } catch {
    throw new TemplateImageError('The image could not be decoded.');
  }
  const canvas = document.createElement('canvas');
  canvas.width = boardWidth;
  canvas.height = boardHeight;
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (!context) throw new TemplateImageError('This browser cannot draw templates.');
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  return context.getImageData(0, 0, boardWidth, boardHeight);
}

async function download(url: string, signal?: AbortSignal): Promise<Blob> {
  let response: Response;
  try {
    response = await fetch(url, { mode: 'cors', credentials: 'omit', signal: signal ?? null });
  } catch {
    throw new TemplateImageError('The image could not be downloaded (its site may not allow other sites to use it).');
  }
  if (!response.ok) throw new TemplateImageError(`The image could not be downloaded (HTTP ${response.status}).`);
  const type = response.headers.get('content-type') ?? '';
  if (!type.startsWith('image/')) throw new TemplateImageError('That link is not an image.');
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > TEMPLATE_LIMITS.maxImageBytes) throw new TemplateImageError(`The image is larger than ${TEMPLATE_LIMITS.maxImageBytes / MIB} MiB.`);
  // Read with a running count: a missing or false Content-Length cannot make us buffer more.
  const reader = response.body?.getReader();
  if (!reader) throw new TemplateImageError('The image could not be downloaded.');
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > TEMPLATE_LIMITS.maxImageBytes) {
      await reader.cancel();
      throw new TemplateImageError(`The image is larger than ${TEMPLATE_LIMITS.maxImageBytes / MIB} MiB.`);
    }
    parts.push(value);
  }
  return new Blob(parts as BlobPart[], { type });
}

/** The image's size from its header (the browser's own parser), before any pixel is decoded. */
function measure(blob: Blob): Promise<{ width: number; height: number }> {
  return new Promise((resolve, reject) => {
    const url = URL.createObjectURL(blob);
    const image = new Image();
    image.decoding = 'async';
    image.onload = () => {
      URL.revokeObjectURL(url);
      resolve({ width: image.naturalWidth, height: image.naturalHeight });
    };
    image.onerror = () => {
      URL.revokeObjectURL(url);
      reject(new TemplateImageError('That is not an image this browser can read.'));
    };
    image.src = url;
  });
}

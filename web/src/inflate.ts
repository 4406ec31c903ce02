import { DecodeError } from '@tessera/protocol';

/**
 * Inflates raw DEFLATE (what the writer compresses a delta's body with) through the browser's own
 * DecompressionStream, refusing to produce more than `maxBytes`: a frame that inflates past it is
 * a bomb or garbage, and reading stops there rather than filling memory.
 */
export async function inflateRaw(bytes: Uint8Array, maxBytes: number): Promise<Uint8Array> {
  // A copy: the frame may view a larger (or shared) buffer, which Blob does not take.
  const stream = new Blob([bytes.slice()]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  const reader = stream.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > maxBytes) throw new DecodeError(`inflates past ${maxBytes} bytes`);
      parts.push(value);
    }
  } catch (error) {
    void reader.cancel().catch(() => undefined);
    throw error;
  }
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

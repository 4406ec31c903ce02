import { decodeCanvas, decodeHistoryEvents, paletteProblem, type CanvasFrame, type HistoryEventsFrame, type HistoryIndex } from '@tessera/protocol';

export interface Keyframe {
  readonly frame: CanvasFrame;
  readonly palette: readonly string[];
}

/** The history endpoint answered with a refusal (403 closed, 404 not served) or nonsense. */
export class HistoryUnavailable extends Error {
  override readonly name = 'HistoryUnavailable';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

const BASE = '/api/canvas/history';
/** Decoded objects kept for scrubbing back and forth (a 2000×2000 keyframe is 4 MB). */
const MAX_KEYFRAMES = 6;
const MAX_SEGMENTS = 120;

/**
 * Fetches and decodes the archive the gateway serves (history-routes.ts there). Keyframes and
 * segments never change, so each is fetched once and kept (a few, least recently used out);
 * the browser's HTTP cache and a CDN hold them for longer.
 */
export function createHistoryClient(fetchImpl: typeof fetch = fetch.bind(window)) {
  const keyframes = new Lru<Promise<Keyframe>>(MAX_KEYFRAMES);
  const segments = new Lru<Promise<HistoryEventsFrame>>(MAX_SEGMENTS);

  async function get(path: string): Promise<Response> {
    const response = await fetchImpl(`${BASE}${path}`);
    if (!response.ok) {
      const body = (await response.json().catch(() => ({}))) as { error?: string };
      throw new HistoryUnavailable(body.error ?? `HTTP ${response.status}`, response.status);
    }
    return response;
  }

  return {
    async index(): Promise<HistoryIndex> {
      return (await (await get('')).json()) as HistoryIndex;
    },
    keyframe(name: string): Promise<Keyframe> {
      return keyframes.getOrAdd(name, async () => {
        const response = await get(`/keyframes/${encodeURIComponent(name)}`);
        const decoded = decodeCanvas(new Uint8Array(await response.arrayBuffer()));
        if (!decoded.ok) throw new HistoryUnavailable(`keyframe ${name}: ${decoded.error.message}`, 502);
        const palette = JSON.parse(response.headers.get('x-tessera-palette') ?? 'null') as unknown;
        if (paletteProblem(palette)) throw new HistoryUnavailable(`keyframe ${name} has no usable palette`, 502);
        return { frame: decoded.value, palette: palette as string[] };
      });
    },
    segment(name: string): Promise<HistoryEventsFrame> {
      return segments.getOrAdd(name, async () => {
        const response = await get(`/segments/${encodeURIComponent(name)}`);
        const decoded = decodeHistoryEvents(new Uint8Array(await response.arrayBuffer()));
        if (!decoded.ok) throw new HistoryUnavailable(`segment ${name}: ${decoded.error.message}`, 502);
        return decoded.value;
      });
    },
  };
}

export type HistoryClient = ReturnType<typeof createHistoryClient>;

/** A small least-recently-used map; a failed load is forgotten so it can be tried again. */
class Lru<T extends Promise<unknown>> {
  private readonly entries = new Map<string, T>();
  constructor(private readonly max: number) {}

  getOrAdd(key: string, load: () => T): T {
    const found = this.entries.get(key);
    if (found) {
      this.entries.delete(key);
      this.entries.set(key, found);
      return found;
    }
    const value = load();
    this.entries.set(key, value);
    value.catch(() => this.entries.delete(key));
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.max) break;
      this.entries.delete(oldest);
    }
    return value;
  }
}

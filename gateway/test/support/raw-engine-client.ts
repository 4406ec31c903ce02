import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import WebSocket from 'ws';

/**
 * A bare engine.io v4 client over a real WebSocket, for tests that must send what a Socket.IO
 * client never would: no CONNECT at all, a CONNECT and then vanish, or several frames in one TCP
 * write. Frames are engine.io packets as text: `0…` open, `40` CONNECT, `42[…]` an event, `43…` an ack.
 */
export class RawEngineClient {
  /** Every text frame received, in order. */
  readonly frames: string[] = [];
  /** Resolves when the connection is closed, by either side. */
  readonly closed: Promise<void>;
  private readonly waiters = new Set<() => void>();

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      const text = (data as Buffer).toString(); // ws hands text frames over as a Buffer
      // Answer engine.io pings so a slow test is not cut off.
      if (text === '2') ws.send('3');
      this.frames.push(text);
      for (const waiter of [...this.waiters]) waiter();
    });
    this.closed = new Promise((resolve) => ws.once('close', () => resolve()));
    ws.on('error', () => undefined);
  }

  /** Opens a WebSocket to the gateway's engine.io endpoint and waits for its open packet. */
  static async open(baseUrl: string, headers: Record<string, string> = {}): Promise<RawEngineClient> {
    const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`, { headers });
    const client = new RawEngineClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    await client.next((frame) => frame.startsWith('0{'));
    return client;
  }

  /** The first frame received (or yet to come) that matches; rejects if the connection closes first. */
  next(matches: (frame: string) => boolean, timeoutMs = 5_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = this.frames.find(matches);
        if (found === undefined) return;
        done();
        resolve(found);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames).slice(0, 500)}`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      void this.closed.then(() => {
        if (!this.waiters.has(check)) return;
        check();
        if (!this.waiters.has(check)) return;
        done();
        reject(new Error(`closed before a matching frame; got ${JSON.stringify(this.frames).slice(0, 500)}`));
      });
      check();
    });
  }

  /** The acknowledgement of event `id`, parsed (`43<id>[result]`). */
  async ack(id: number): Promise<unknown> {
    const prefix = `43${id}[`;
    const frame = await this.next((candidate) => candidate.startsWith(prefix));
    return (JSON.parse(frame.slice(prefix.length - 1)) as unknown[])[0];
  }

  /** Sends the frames as masked WebSocket text frames in one TCP write, so the server reads them together. */
  sendTogether(...frames: string[]): void {
    const socket = (this.ws as unknown as { _socket: Socket })._socket;
    socket.write(Buffer.concat(frames.map(maskedTextFrame)));
  }

  send(frame: string): void {
    this.ws.send(frame);
  }

  /** Sends one frame, then drops the TCP connection as soon as it is written (a client vanishing mid-handshake). */
  sendAndVanish(frame: string): void {
    const socket = (this.ws as unknown as { _socket: Socket })._socket;
    socket.write(maskedTextFrame(frame), () => socket.destroy());
  }

  /** Drops the TCP connection at once, without a close handshake (a client vanishing). */
  terminate(): void {
    this.ws.terminate();
  }
}

/** One client-to-server WebSocket text frame (RFC 6455 §5.2: clients must mask). */
function maskedTextFrame(text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  const length = payload.length;
  const header = length < 126 ? Buffer.from([0x81, 0x80 | length]) : length < 65_536 ? Buffer.from([0x81, 0x80 | 126, length >> 8, length & 0xff]) : undefined;
  if (!header) throw new Error('frame too long for this helper');
  const mask = randomBytes(4);
  const masked = Buffer.alloc(length);
  for (let i = 0; i < length; i++) masked[i] = payload[i]! ^ mask[i % 4]!;
  return Buffer.concat([header, mask, masked]);
}

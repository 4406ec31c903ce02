// A minimal Socket.IO v4 client over a raw `ws` socket: what ten thousand players cost a load
// generator when each one is a WebSocket and a few numbers, not a socket.io-client instance.
//
// It speaks the real protocol (Engine.IO 4 over WebSocket, Socket.IO 5 packets):
//   server → `0{"sid",…}` open          client → `40` (+ auth JSON) connect
//   server → `40{"sid"}` connected      server → `2` ping, client → `3` pong
//   server → `42["event",…]` event      client → `42<id>["place",{…}]` event with an ack id
//   server → `43<id>[result]` ack       server → `451-["delta",{"_placeholder":true,"num":0}]` + one binary message
//   server → a bare binary message (a delta or sync frame, its first byte its kind) to a client that
//            connected with `{"frames":"bare"}` (protocol/src/bare-frames.ts)
import { FrameKind } from '@tessera/protocol';
import WebSocket from 'ws';

const CH_0 = 0x30;
const CH_2 = 0x32;
const CH_3 = 0x33;
const CH_4 = 0x34;
const CH_5 = 0x35;
const DELTA_PREFIX = Buffer.from('42["delta","');
const SYNC_PREFIX = Buffer.from('42["sync","');
const BINARY_DELTA_PREFIX = Buffer.from('451-["delta"');
const BINARY_SYNC_PREFIX = Buffer.from('451-["sync"');
const PONG = '3';
/** A bare frame's event by its first byte (protocol/src/bare-frames.ts). */
const BARE_KINDS = /** @type {Record<number, 'delta' | 'sync'>} */ ({ [FrameKind.Delta]: 'delta', [FrameKind.Sync]: 'sync' });

/**
 * What a group of clients does with what arrives; shared by every client so each costs no closures.
 * @typedef {object} ClientHandlers
 * @property {(client: SioClient, kind: 'delta' | 'sync', frame: Buffer, base64: boolean, at: number) => void} [onFrame]
 *   `frame`: the base64 text's bytes (base64 true) or the raw binary frame
 * @property {(client: SioClient, id: number, data: Buffer, at: number) => void} [onAck] `data`: the whole `43<id>[…]` packet
 * @property {(client: SioClient, event: string, args: unknown[]) => void} [onEvent] any other event (welcome, config, …)
 */

let nextIndex = 0;

export class SioClient {
  /**
   * @param {string} url http://host:port of a gateway
   * @param {object} options
   * @param {string} [options.localAddress] source address (127.0.0.x) to spread ephemeral ports
   * @param {Record<string, unknown>} [options.auth]
   * @param {ClientHandlers} options.handlers
   */
  constructor(url, { localAddress, auth, handlers }) {
    this.index = nextIndex++;
    this.handlers = handlers;
    this.auth = auth;
    this.connected = false;
    this.closed = false;
    this.welcome = /** @type {any} */ (undefined);
    this.nextAckId = 0;
    /** WebSocket bytes received after the welcome (payload + the 2/4/10-byte frame header). */
    this.bytesReceived = 0;
    /** Set by a `451-` header: the next binary message is that event's attachment. */
    this.pendingBinary = /** @type {'delta' | 'sync' | undefined} */ (undefined);
    /** @type {(error?: Error) => void} */
    this.settle = () => {
      // replaced by connect()
    };
    this.ready = new Promise((resolve, reject) => {
      this.settle = (error) => (error ? reject(error) : resolve(this));
    });
    const wsUrl = `${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`;
    this.ws = new WebSocket(wsUrl, {
      localAddress,
      perMessageDeflate: false,
      skipUTF8Validation: true,
      handshakeTimeout: 30_000,
      maxPayload: 256 * 1024 * 1024,
    });
    this.ws.on('message', (data, isBinary) => this.onMessage(/** @type {Buffer} */ (data), isBinary));
    this.ws.on('error', (error) => {
      this.settle(error);
    });
    this.ws.on('close', (code) => {
      this.connected = false;
      this.closed = true;
      this.settle(new Error(`closed (${code}) before welcome`));
    });
  }

  /**
   * Sends `42<id>["place",payload]` and returns the ack id.
   * @param {number} x @param {number} y @param {number} color
   */
  place(x, y, color) {
    const id = this.nextAckId++;
    this.ws.send(`42${id}["place",{"x":${x},"y":${y},"color":${color}}]`);
    return id;
  }

  close() {
    this.closed = true;
    this.ws.terminate();
  }

  /** @param {Buffer} data @param {boolean} isBinary */
  onMessage(data, isBinary) {
    const at = performance.now();
    this.bytesReceived += data.length + (data.length < 126 ? 2 : data.length < 65_536 ? 4 : 10);
    if (isBinary) {
      const kind = this.pendingBinary ?? BARE_KINDS[data[0]];
      this.pendingBinary = undefined;
      if (kind) this.handlers.onFrame?.(this, kind, data, false, at);
      return;
    }
    const type = data[0];
    if (type === CH_4) {
      const sub = data[1];
      if (sub === CH_2) {
        if (startsWith(data, DELTA_PREFIX)) return this.handlers.onFrame?.(this, 'delta', data.subarray(DELTA_PREFIX.length, data.length - 2), true, at);
        if (startsWith(data, SYNC_PREFIX)) return this.handlers.onFrame?.(this, 'sync', data.subarray(SYNC_PREFIX.length, data.length - 2), true, at);
        const [event, ...args] = JSON.parse(data.toString('utf8', 2));
        if (event === 'welcome') {
          this.welcome = args[0];
          this.settle();
        }
        this.handlers.onEvent?.(this, event, args);
        return;
      }
      if (sub === CH_3) {
        let id = 0;
        for (let i = 2; i < data.length; i++) {
          const c = data[i];
          if (c < CH_0 || c > CH_0 + 9) break;
          id = id * 10 + (c - CH_0);
        }
        this.handlers.onAck?.(this, id, data, at);
        return;
      }
      if (sub === CH_5) {
        if (startsWith(data, BINARY_DELTA_PREFIX)) this.pendingBinary = 'delta';
        else if (startsWith(data, BINARY_SYNC_PREFIX)) this.pendingBinary = 'sync';
        return;
      }
      if (sub === CH_0) {
        this.connected = true;
        return;
      }
      if (sub === CH_4) {
        this.settle(new Error(`connect refused: ${data.toString('utf8', 2)}`));
        this.ws.terminate();
      }
      return;
    }
    if (type === CH_2) {
      this.ws.send(PONG);
      return;
    }
    if (type === CH_0) {
      this.ws.send(this.auth ? `40${JSON.stringify(this.auth)}` : '40');
    }
  }
}

/** @param {Buffer} data @param {Buffer} prefix */
function startsWith(data, prefix) {
  if (data.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (data[i] !== prefix[i]) return false;
  return true;
}

/** 127.0.0.1 … 127.0.0.<count>: one ephemeral port range each. */
export function sourceAddresses(count = 16) {
  return Array.from({ length: count }, (_, i) => `127.0.0.${i + 1}`);
}

/**
 * Opens `count` clients with at most `concurrency` handshakes in flight, each resolved once
 * welcomed; a failed handshake is retried a few times (a full accept backlog drops SYNs).
 * @param {string} url
 * @param {number} count
 * @param {ClientHandlers} handlers
 * @param {{ concurrency?: number, addresses?: string[], auth?: Record<string, unknown>, onProgress?: (n: number) => void }} [options]
 * @returns {Promise<{ clients: SioClient[], seconds: number, retries: number }>}
 */
export async function connectMany(url, count, handlers, options = {}) {
  const addresses = options.addresses ?? sourceAddresses();
  const concurrency = options.concurrency ?? 200;
  /** @type {SioClient[]} */
  const clients = [];
  let next = 0;
  let retries = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < count) {
      const i = next++;
      for (let attempt = 1; ; attempt++) {
        const client = new SioClient(url, { localAddress: addresses[i % addresses.length], auth: options.auth, handlers });
        try {
          await client.ready;
          clients.push(client);
          break;
        } catch (error) {
          client.close();
          if (attempt >= 5) throw new Error(`client ${i} could not connect: ${/** @type {Error} */ (error).message}`, { cause: error });
          retries++;
          await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
        }
      }
      if (clients.length % 1000 === 0) options.onProgress?.(clients.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return { clients, seconds: (performance.now() - started) / 1000, retries };
}

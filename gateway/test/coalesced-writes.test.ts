import assert from 'node:assert/strict';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo, Socket as TcpSocket } from 'node:net';
import { Server } from 'socket.io';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';
import { waitFor } from '../../test-support/index.js';
import { coalesceFlushedWrites } from '../src/coalesced-writes.js';

/**
 * A real Socket.IO server and client over WebSocket: the server sends a burst of events to one
 * socket in one turn (as a batch of placements answers its acks), and the test counts the writes
 * its TCP socket hands the kernel.
 */
describe('coalescing the packets of one engine.io flush into one write', function () {
  this.timeout(20_000);
  let http: HttpServer;
  let io: Server;
  let client: ClientSocket | undefined;

  async function start(coalesce: boolean): Promise<string> {
    http = createServer();
    io = new Server(http, { transports: ['websocket'] });
    if (coalesce) coalesceFlushedWrites(io.engine);
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  }
  afterEach(async () => {
    client?.close();
    client = undefined;
    await new Promise<void>((resolve) => {
      void io.close(() => resolve());
    });
  });

  /** Sends `count` events in one turn and answers how many writes reached the TCP socket, and what arrived. */
  async function burst(url: string, count: number): Promise<{ writes: number; received: number[] }> {
    const received: number[] = [];
    const serverSide = new Promise<{ writes: () => number; send: () => void }>((resolve) => {
      io.on('connection', (socket) => {
        const tcp = (socket.conn.transport as unknown as { socket: { _socket: TcpSocket } }).socket._socket;
        let writes = 0;
        const stream = tcp as unknown as Record<'_write' | '_writev', (...args: unknown[]) => unknown>;
        for (const method of ['_write', '_writev'] as const) {
          const original = stream[method].bind(tcp);
          stream[method] = (...args: unknown[]) => {
            writes++;
            return original(...args);
          };
        }
        // Half in this turn's synchronous code, half from promise continuations of the same turn
        // (as acks resolved by one Redis reply are).
        const send = () => {
          for (let i = 0; i < count / 2; i++) socket.emit('n', i);
          for (let i = count / 2; i < count; i++) void Promise.resolve(i).then((n) => socket.emit('n', n));
        };
        resolve({ writes: () => writes, send });
      });
    });
    client = connect(url, { transports: ['websocket'] });
    client.on('n', (i: number) => received.push(i));
    const server = await serverSide;
    await waitFor(() => client?.connected === true, { timeoutMs: 10_000, message: 'the client connected' });
    const before = server.writes();
    server.send();
    await waitFor(() => received.length === count, { timeoutMs: 10_000, message: 'every packet received' });
    return { writes: server.writes() - before, received };
  }

  it('writes a burst of packets in a few writes, every packet delivered in order', async () => {
    const { writes, received } = await burst(await start(true), 40);
    assert.deepEqual(
      received,
      Array.from({ length: 40 }, (_, i) => i),
    );
    // Corked from the first flush to the end of the turn: one write (two if a turn boundary fell inside).
    assert.ok(writes <= 2, `${writes} writes for 40 packets`);
  });

  it('is what makes the difference: without it the same burst takes a write a packet', async () => {
    const { writes, received } = await burst(await start(false), 40);
    assert.equal(received.length, 40);
    assert.ok(writes >= 20, `${writes} writes for 40 packets`);
  });
});

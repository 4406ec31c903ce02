import type { IncomingMessage } from 'node:http';
import { ErrorCode } from '@tessera/protocol';
import { Encoder, PacketType } from 'socket.io-parser';

/**
 * Live sockets per client address on this gateway. Per process on purpose: a gateway that dies
 * takes its counts with it instead of leaking them into Redis.
 */
export class ConnectionCounter {
  private readonly counts = new Map<string, number>();

  constructor(private readonly maxPerAddress: number) {}

  /** Reserves a slot; false when the address is at its limit. */
  tryAcquire(address: string): boolean {
    const count = this.counts.get(address) ?? 0;
    if (count >= this.maxPerAddress) return false;
    this.counts.set(address, count + 1);
    return true;
  }

  release(address: string): void {
    const count = this.counts.get(address) ?? 0;
    if (count <= 1) this.counts.delete(address);
    else this.counts.set(address, count - 1);
  }

  count(address: string): number {
    return this.counts.get(address) ?? 0;
  }
}

/** The part of an engine.io connection that slot keeping uses. */
export interface EngineConnection {
  readonly request: IncomingMessage;
  write(data: string): unknown;
  close(): unknown;
  once(event: 'close', listener: () => void): unknown;
}

/** What a Socket.IO client reports as `connect_error` with this message, on the main namespace. */
const [TOO_MANY_CONNECTIONS_PACKET] = new Encoder().encode({
  type: PacketType.CONNECT_ERROR,
  nsp: '/',
  data: { message: ErrorCode.TooManyConnections },
}) as [string];

/**
 * Holds one slot per engine.io connection, from its handshake to its transport's close. Counted
 * at this level, not in the namespace middleware, so that a client dropping during the async
 * identity check frees its slot, and one that never sends CONNECT still holds one. Over the limit
 * the connection is sent TOO_MANY_CONNECTIONS as a CONNECT_ERROR (a Socket.IO client reports it
 * as its `connect_error`, whether or not its CONNECT was on the way) and closed once that is flushed.
 */
export function limitConnectionsPerAddress(
  engine: { on(event: 'connection', listener: (connection: EngineConnection) => void): unknown },
  options: { counter: ConnectionCounter; addressOf: (request: IncomingMessage) => string; onRefused: (address: string) => void },
): void {
  engine.on('connection', (connection) => {
    const address = options.addressOf(connection.request);
    if (!options.counter.tryAcquire(address)) {
      options.onRefused(address);
      connection.write(TOO_MANY_CONNECTIONS_PACKET);
      connection.close(); // engine.io closes after the write buffer drains
      return;
    }
    connection.once('close', () => options.counter.release(address));
  });
}

import type { Socket as TcpSocket } from 'node:net';
import type { Server } from 'socket.io';

type EngineServer = Server['engine'];
/** The part of an engine.io socket read here (its transport; `ws` for a WebSocket one). */
interface EngineSocket {
  readonly transport: unknown;
}

/**
 * Makes the packets engine.io flushes to one socket within one turn of the event loop a single
 * write to the kernel instead of one per packet. A batch of placements answers many acks at once,
 * and `ws` writes each frame with its own `writev`: that was a fifth of the gateway's busy time
 * (BENCHMARKS.md, placement profile). The TCP socket is corked at engine.io's first `flush` to it
 * in a turn and uncorked once, after the turn's I/O (setImmediate): every ack, delta or other
 * packet sent to it meanwhile goes out together, at most one loop turn later.
 * Costs nothing per connection: one listener on the engine, none per socket.
 */
export function coalesceFlushedWrites(engine: EngineServer): void {
  let corked: TcpSocket[] = [];
  const uncorkAll = (): void => {
    const sockets = corked;
    corked = [];
    for (const tcp of sockets) tcp.uncork();
  };
  engine.on('flush', (socket: EngineSocket) => {
    const tcp = tcpSocketOf(socket);
    // writableCorked is 0 unless corked here this turn (ws corks and uncorks within one frame).
    if (!tcp || tcp.writableCorked > 0) return;
    tcp.cork();
    if (corked.push(tcp) === 1) setImmediate(uncorkAll);
  });
}

/** The TCP socket under a WebSocket transport (`ws` keeps it as `_socket`); undefined for others. */
function tcpSocketOf(socket: EngineSocket): TcpSocket | undefined {
  const ws = (socket.transport as { socket?: { _socket?: TcpSocket } }).socket;
  const tcp = ws?._socket;
  return tcp && typeof tcp.cork === 'function' && !tcp.destroyed ? tcp : undefined;
}

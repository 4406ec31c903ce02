import type { Socket as TcpSocket } from 'node:net';
import type { Server } from 'socket.io';

type EngineServer = Server['engine'];
/** The part of an engine.io socket read here (its transport; `ws` for a WebSocket one). */
interface EngineSocket {
  readonly transport: unknown;
}

/**
 * Makes every engine.io flush of several packets one write to the kernel instead of one per
 * packet. A batch of placements answers many acks to the same socket at once; engine.io queues
 * them while the previous frame is being written and then hands the transport the whole list,
 * which `ws` writes frame by frame: one `writev` per ack was a fifth of the gateway's busy time
 * (BENCHMARKS.md, placement profile). Corking the TCP socket from engine.io's `flush` event to
 * its `drain` event (both emitted synchronously around `transport.send`) joins those frames.
 * Costs nothing per connection: two listeners on the engine, none per socket.
 */
export function coalesceFlushedWrites(engine: EngineServer): void {
  // flush → transport.send → drain run synchronously, so the socket corked last is the one to uncork.
  const corked: TcpSocket[] = [];
  const corkedFor: EngineSocket[] = [];
  engine.on('flush', (socket: EngineSocket, packets: readonly unknown[]) => {
    if (packets.length < 2) return;
    const tcp = tcpSocketOf(socket);
    if (!tcp) return;
    tcp.cork();
    corked.push(tcp);
    corkedFor.push(socket);
  });
  engine.on('drain', (socket: EngineSocket) => {
    if (corkedFor[corkedFor.length - 1] !== socket) return;
    corkedFor.pop();
    corked.pop()!.uncork();
  });
}

/** The TCP socket under a WebSocket transport (`ws` keeps it as `_socket`); undefined for others. */
function tcpSocketOf(socket: EngineSocket): TcpSocket | undefined {
  const ws = (socket.transport as unknown as { socket?: { _socket?: TcpSocket } }).socket;
  const tcp = ws?._socket;
  return tcp && typeof tcp.cork === 'function' && !tcp.destroyed ? tcp : undefined;
}

import type { IncomingMessage } from 'node:http';
import type { Socket } from 'socket.io';

/** What `socket.handshake` reads once released: nothing of the request is left to hold. */
const RELEASED_HANDSHAKE = Object.freeze({
  headers: Object.freeze({}),
  time: '',
  address: '',
  xdomain: false,
  secure: false,
  issued: 0,
  url: '',
  query: Object.freeze({}),
  auth: Object.freeze({}),
});

/**
 * Drops what a connected socket never reads again, as Socket.IO's memory-usage guide advises:
 * the upgrade's IncomingMessage (its headers, raw headers and URL, kept by Engine.IO for the
 * connection's whole life) and the handshake copy of them (headers, query and the `auth` object,
 * which holds the player's identity token). Identity, address and ban prefixes were read into
 * `socket.data` by the handshake middleware; nothing after the connection event reads the request.
 */
export function releaseHandshake(socket: Socket): void {
  const conn = socket.conn as unknown as { request: (Partial<IncomingMessage> & { _query?: unknown }) | undefined };
  const request = conn.request;
  if (request) {
    // Engine.IO's upgrade response keeps the request itself until the TCP socket closes (a
    // listener on its close): empty what it holds, then let go of Engine.IO's own reference.
    request.rawHeaders = [];
    request.headers = {};
    request._query = undefined;
    request.url = '';
  }
  conn.request = undefined;
  (socket as unknown as { handshake: unknown }).handshake = RELEASED_HANDSHAKE;
}

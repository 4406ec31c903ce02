// Free TCP ports for child processes. The kernel picks one (listen on 0), we read it and close:
// another process may take it before our child binds, so callers that can retry on EADDRINUSE do.
import net from 'node:net';

/**
 * A TCP port that was free on `host` a moment ago.
 * @param {string} [host] address to probe (default 127.0.0.1)
 * @returns {Promise<number>}
 */
export function getFreePort(host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close((err) => (err ? reject(err) : port ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

/**
 * Whether `port` can be bound on `host` right now (default 0.0.0.0, the services' default HOST,
 * which also collides with anything bound on 127.0.0.1).
 * @param {number} port
 * @param {string} [host]
 * @returns {Promise<boolean>}
 */
export function isPortFree(port, host = '0.0.0.0') {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

// Runs s3rver as its own process (started by s3-server.mjs): a real server, not one sharing the
// event loop of the code under test. Configuration comes as one JSON argument:
//   { "port": 0, "host": "127.0.0.1", "dir": "/path", "buckets": ["tessera"] }
// When started with an IPC channel it reports { type: "ready", port } and exits when the channel
// closes, so it cannot outlive its parent.
// @ts-expect-error -- s3rver publishes no type declarations
import S3rver from 's3rver';

const config = JSON.parse(process.argv[2] ?? '{}');
const host = config.host ?? '127.0.0.1';

const server = new S3rver({
  address: host,
  port: config.port ?? 0,
  directory: config.dir,
  silent: !config.verbose,
  configureBuckets: (config.buckets ?? []).map((/** @type {string} */ name) => ({ name, configs: [] })),
});

let closing = false;
async function shutdown(code = 0) {
  if (closing) return;
  closing = true;
  try {
    server.httpServer?.closeAllConnections?.();
    await server.close();
  } catch {
    // already closed
  }
  process.exit(code);
}

process.on('SIGTERM', () => void shutdown(0));
process.on('SIGINT', () => void shutdown(0));
process.on('disconnect', () => void shutdown(0));

try {
  const address = await server.run();
  const port = typeof address === 'object' && address ? address.port : Number(config.port);
  if (process.send) process.send({ type: 'ready', port });
  else console.log(`s3rver listening on http://${host}:${port}`);
} catch (err) {
  console.error(`s3rver failed to start: ${err instanceof Error ? err.stack : String(err)}`);
  process.exit(1);
}

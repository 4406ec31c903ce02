import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface ProbeServerOptions {
  readonly port: number;
  readonly host?: string;
  readonly registry: Registry;
  /** Answers /readyz: a reason when not ready, undefined when ready. */
  readonly readiness: () => Promise<string | undefined> | string | undefined;
  /**
   * Named health details beside readiness, at `/checks/<name>`: a reason when failing (503), else
   * 200. For conditions an SRE must see that must not take the process out of service.
   */
  readonly checks?: Readonly<Record<string, () => string | undefined>>;
}

export interface ProbeServer {
  readonly server: Server;
  readonly port: number;
  close(): Promise<void>;
}

/** `/healthz`, `/readyz` and `/metrics` for services that serve nothing else over HTTP. */
export async function startProbeServer(options: ProbeServerOptions): Promise<ProbeServer> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const reply = (status: number, body: string, type = 'text/plain; charset=utf-8'): void => {
      response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      response.end(body);
    };
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      reply(405, 'method not allowed\n');
      return;
    }
    if (path === '/healthz') {
      reply(200, 'ok\n');
      return;
    }
    if (path === '/readyz') {
      Promise.resolve()
        .then(() => options.readiness())
        .then(
          (reason) => (reason ? reply(503, `not ready: ${reason}\n`) : reply(200, 'ready\n')),
          (error: unknown) => reply(503, `not ready: ${String(error)}\n`),
        );
      return;
    }
    const check = path?.startsWith('/checks/') ? path.slice('/checks/'.length) : undefined;
    if (check !== undefined && options.checks && Object.hasOwn(options.checks, check)) {
      const reason = options.checks[check]!();
      if (reason) reply(503, `failing: ${reason}\n`);
      else reply(200, 'ok\n');
      return;
    }
    if (path === '/metrics') {
      options.registry.metrics().then(
        (text) => reply(200, text, options.registry.contentType),
        () => reply(500, 'metrics unavailable\n'),
      );
      return;
    }
    reply(404, 'not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

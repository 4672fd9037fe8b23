// Plain HTTP on the probe/metrics port: /healthz (the process serves), /readyz (it can admit), /metrics.
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

export interface ProbeServerOptions {
  /** Undefined when ready, else the reason it is not. */
  notReadyReason: () => string | undefined;
  registry: Registry;
}

export function createProbeServer(o: ProbeServerOptions): Server {
  return createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const text = (status: number, body: string): void => {
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return text(405, 'GET only\n');
    if (path === '/healthz' || path === '/livez') return text(200, 'ok\n');
    if (path === '/readyz') {
      const reason = o.notReadyReason();
      return reason ? text(503, `not ready: ${reason}\n`) : text(200, 'ok\n');
    }
    if (path === '/metrics') {
      o.registry.metrics().then(
        (m) => {
          res.writeHead(200, { 'content-type': o.registry.contentType });
          res.end(m);
        },
        () => text(500, 'metrics unavailable\n'),
      );
      return;
    }
    text(404, 'not found\n');
  });
}

// The HTTPS server of the admission webhooks. Its certificate is swapped in place (setSecureContext) when
// the Secret changes, so renewal needs no restart.
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Counter, Histogram } from 'prom-client';
import {
  admit,
  BadAdmissionReview,
  errorResponse,
  parseReview,
  reviewResponse,
} from '../webhooks/admission.ts';
import type { ClusterReader, WebhookRoute } from '../webhooks/routes.ts';
import { LogMessage, type Log } from '../common/log.ts';
import { errorText } from '../common/redact.ts';

/** Largest request body read: an AdmissionReview holds the object twice (new and old). */
const MAX_BODY = 8 * 1024 * 1024;

export interface WebhookServerOptions {
  routes: readonly WebhookRoute[];
  reader: ClusterReader;
  /**
   * Asked again when the decision from `reader` denies or is unresolved (a lookup found nothing): the API
   * server itself, so a stale cache never refuses what the cluster allows.
   */
  confirm?: ClusterReader;
  log: Log;
  tls: { cert: string; key: string };
  metrics?: { reviews: Counter<'webhook' | 'allowed'>; duration: Histogram<'webhook'> };
}

export interface WebhookServer {
  server: Server;
  /** Serves new handshakes with this certificate; connections already open keep theirs. */
  setCertificate(tls: { cert: string; key: string }): void;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new BadAdmissionReview(`the body is larger than ${MAX_BODY} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json' });
  res.end(text);
}

export function createWebhookServer(o: WebhookServerOptions): WebhookServer {
  const byPath = new Map(o.routes.map((r) => [r.path, r]));
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'https://localhost').pathname;
    const route = byPath.get(path);
    if (!route) return send(res, 404, `no webhook at ${path}\n`);
    if (req.method !== 'POST') return send(res, 405, 'admission reviews are POSTed\n');
    const started = performance.now();
    try {
      const review = parseReview(JSON.parse(await readBody(req)));
      const uid = review.uid;
      const fields = {
        kind: route.resource.kind,
        namespace: review.input.namespace,
        name: review.input.name,
      };
      if (review.resource !== '' && review.resource !== route.resource.plural) {
        throw new BadAdmissionReview(
          `resource ${review.resource} was sent to the ${route.resource.plural} webhook`,
        );
      }
      try {
        let decision = await admit(route, review, o.reader);
        if (o.confirm && (!decision.allowed || decision.unresolved)) {
          decision = await admit(route, review, o.confirm);
        }
        const durationMs = Math.round(performance.now() - started);
        o.metrics?.reviews.inc({ webhook: route.name, allowed: String(decision.allowed) });
        o.metrics?.duration.observe({ webhook: route.name }, durationMs / 1000);
        o.log.info(LogMessage.admission, {
          ...fields,
          webhook: route.name,
          operation: review.input.operation,
          allowed: decision.allowed,
          fields: decision.denials.map((d) => d.field),
          durationMs,
        });
        send(res, 200, reviewResponse(uid, decision));
      } catch (err) {
        o.metrics?.reviews.inc({ webhook: route.name, allowed: 'error' });
        o.log.error(LogMessage.admissionFailed, { ...fields, webhook: route.name, err: errorText(err) });
        send(res, 200, errorResponse(uid, errorText(err)));
      }
    } catch (err) {
      o.log.warn(LogMessage.badRequest, { webhook: route.name, err: errorText(err) });
      if (err instanceof BadAdmissionReview || err instanceof SyntaxError)
        send(res, 400, `${errorText(err)}\n`);
      else send(res, 500, 'internal error\n');
    }
  };
  const server = createServer({ cert: o.tls.cert, key: o.tls.key, minVersion: 'TLSv1.2' }, (req, res) => {
    void handle(req, res);
  });
  server.on('tlsClientError', () => {
    // A client that gives up on the handshake (e.g. a port probe) is no error of ours.
  });
  return {
    server,
    setCertificate(tls) {
      server.setSecureContext({ cert: tls.cert, key: tls.key, minVersion: 'TLSv1.2' });
    },
  };
}

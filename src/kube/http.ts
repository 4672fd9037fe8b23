// HTTP to the API server on node:http(s): one keep-alive agent per client (a new one only when an exec
// plugin hands out a new client certificate), credentials per request with one retry after a 401, and
// every failure turned into a KubeApiError where it enters.
import http from 'node:http';
import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import { isObject } from '../common/json.ts';
import { redact } from '../common/redact.ts';
import type { AuthState, Credentials } from './credentials.ts';
import { KubeApiError, type KubeStatus } from './errors.ts';

/** Where and how to reach one API server. */
export interface Connection {
  /** The server URL, without a trailing slash; may carry a path prefix. */
  server: string;
  /** PEM of the CAs to trust; the system's when absent. */
  ca?: string;
  insecureSkipTlsVerify: boolean;
  tlsServerName?: string;
  /** The namespace of the context (or of the pod). */
  namespace: string;
  credentials: Credentials;
  /** Sent with every request (impersonation). */
  headers?: Record<string, string | string[]>;
}

export interface HttpRequest {
  method: string;
  /** Path and query string. */
  path: string;
  body?: Buffer;
  contentType?: string;
  accept?: string;
  signal?: AbortSignal | undefined;
  /** A long-lived stream (watch): no idle timeout. */
  stream?: boolean;
}

/** A response that arrives no byte for this long is abandoned (the apiserver's own limit is 60 s). */
const IDLE_TIMEOUT_MS = 90_000;
const MAX_ERROR_BODY = 1 << 20;

export class Transport {
  readonly #conn: Connection;
  readonly #userAgent: string;
  readonly #url: URL;
  #agent: http.Agent | undefined;
  #agentKey = '';

  constructor(conn: Connection, userAgent: string) {
    this.#conn = conn;
    this.#userAgent = userAgent;
    this.#url = new URL(conn.server);
    if (this.#url.protocol !== 'https:' && this.#url.protocol !== 'http:') {
      throw new Error(`server ${conn.server}: only https:// and http:// URLs are supported`);
    }
  }

  /** The response once its headers arrived, after one retry with fresh credentials on a 401. */
  async send(req: HttpRequest): Promise<IncomingMessage> {
    const res = await this.#sendOnce(req, await this.#conn.credentials.current());
    if (res.statusCode !== 401 || !this.#conn.credentials.invalidate()) return res;
    res.on('error', () => undefined).resume();
    return this.#sendOnce(req, await this.#conn.credentials.current());
  }

  /** The parsed JSON body of a successful response (undefined when empty); a KubeApiError otherwise. */
  async json<T>(req: HttpRequest): Promise<T> {
    const res = await this.send(req);
    const body = await readBody(res, req, this.#conn.server, Infinity);
    if (!ok(res)) throw apiError(res, body, req);
    return parseJson<T>(body, req);
  }

  /** The raw body of a successful response; a KubeApiError otherwise. */
  async buffer(req: HttpRequest): Promise<Buffer> {
    const res = await this.send(req);
    const body = await readBody(res, req, this.#conn.server, Infinity);
    if (!ok(res)) throw apiError(res, body, req);
    return body;
  }

  /** The error a failed response stands for, with its body read. */
  async failure(res: IncomingMessage, req: HttpRequest): Promise<KubeApiError> {
    return apiError(res, await readBody(res, req, this.#conn.server, MAX_ERROR_BODY), req);
  }

  #agentFor(auth: AuthState): http.Agent {
    const key = `${auth.cert ?? ''}\0${auth.key ?? ''}`;
    if (this.#agent && key === this.#agentKey) return this.#agent;
    const c = this.#conn;
    this.#agentKey = key;
    this.#agent =
      this.#url.protocol === 'http:'
        ? new http.Agent({ keepAlive: true })
        : new https.Agent({
            keepAlive: true,
            ...(c.ca !== undefined && { ca: c.ca }),
            ...(auth.cert !== undefined && { cert: auth.cert, key: auth.key }),
            rejectUnauthorized: !c.insecureSkipTlsVerify,
            ...(c.tlsServerName !== undefined && { servername: c.tlsServerName }),
          });
    return this.#agent;
  }

  #sendOnce(req: HttpRequest, auth: AuthState): Promise<IncomingMessage> {
    req.signal?.throwIfAborted();
    const headers: http.OutgoingHttpHeaders = {
      ...this.#conn.headers,
      'user-agent': this.#userAgent,
      accept: req.accept ?? 'application/json',
    };
    if (auth.authorization !== undefined) headers.authorization = auth.authorization;
    if (req.body !== undefined) {
      headers['content-type'] = req.contentType ?? 'application/json';
      headers['content-length'] = req.body.length;
    }
    const base = this.#url.pathname.replace(/\/+$/, '');
    const mod = this.#url.protocol === 'http:' ? http : https;
    return new Promise((resolve, reject) => {
      const r = mod.request(
        {
          protocol: this.#url.protocol,
          hostname: this.#url.hostname.replace(/^\[|\]$/g, ''),
          port: this.#url.port || undefined,
          method: req.method,
          path: base + req.path,
          headers,
          agent: this.#agentFor(auth),
          ...(req.signal && { signal: req.signal }),
        },
        resolve,
      );
      r.on('error', (err) => reject(transportError(err, req, this.#conn.server)));
      if (!req.stream) {
        r.setTimeout(IDLE_TIMEOUT_MS, () => r.destroy(new Error(`no data for ${IDLE_TIMEOUT_MS / 1000} s`)));
      }
      r.end(req.body);
    });
  }
}

const ok = (res: IncomingMessage): boolean => (res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300;

/** Transport failures are KubeApiError with status 0 (retryable); an abort stays the signal's reason. */
export function transportError(err: unknown, req: HttpRequest, server: string): Error {
  if (req.signal?.aborted) return req.signal.reason as Error;
  if (err instanceof KubeApiError) return err;
  const e = err as NodeJS.ErrnoException;
  const what = [e.code, e.message].filter(Boolean).join(' ');
  return new KubeApiError(`${req.method} ${server}${req.path.split('?')[0]}: ${what}`, 0, undefined, {
    cause: err,
  });
}

function readBody(res: IncomingMessage, req: HttpRequest, server: string, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (c: Buffer) => {
      if (size < max) chunks.push(c);
      size += c.length;
    });
    res.on('end', () => resolve(Buffer.concat(chunks)));
    res.on('error', (err) => reject(transportError(err, req, server)));
  });
}

function parseJson<T>(body: Buffer, req: HttpRequest): T {
  if (body.length === 0) return undefined as T;
  try {
    return JSON.parse(body.toString('utf8')) as T;
  } catch (err) {
    throw new KubeApiError(
      `${req.method} ${req.path.split('?')[0]}: the response is not JSON`,
      0,
      undefined,
      {
        cause: err,
      },
    );
  }
}

/** A failed response as a KubeApiError: the Status message when the body is a Status, else a summary. */
export function apiError(
  res: IncomingMessage,
  body: Buffer,
  req: Pick<HttpRequest, 'method' | 'path'>,
): KubeApiError {
  const code = res.statusCode ?? 0;
  let status: KubeStatus | undefined;
  try {
    const parsed = JSON.parse(body.toString('utf8')) as unknown;
    if (isObject(parsed)) status = parsed;
  } catch {
    // not JSON: described below
  }
  if (status?.message) return new KubeApiError(status.message, code, status);
  const text = redact(body.toString('utf8', 0, Math.min(body.length, 300)).trim());
  const summary = `${req.method} ${req.path.split('?')[0]}: ${code} ${res.statusMessage ?? ''}`.trim();
  return new KubeApiError(text ? `${summary}: ${text}` : summary, code, status);
}

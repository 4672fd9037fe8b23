// A local HTTPS server standing in for an API server, with a throwaway CA made by openssl: server
// certificates for 127.0.0.1 (or only for a DNS name) and client certificates, so the client's TLS and
// credential handling can be tested without a cluster.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Pki {
  dir: string;
  caPem: string;
  /** Files in `dir`. */
  caFile: string;
  issue(
    name: string,
    opts: { subject: string; san?: string; clientAuth?: boolean },
  ): { cert: string; key: string; certFile: string; keyFile: string };
}

const openssl = (dir: string, args: string[]): void =>
  void execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });

/** A new CA in a temp directory. */
export function makePki(): Pki {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-pki-'));
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl(dir, [
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-subj',
    '/CN=test-ca',
    '-days',
    '1',
  ]);
  return {
    dir,
    caFile: join(dir, 'ca.crt'),
    caPem: readFileSync(join(dir, 'ca.crt'), 'utf8'),
    issue(name, opts) {
      const ext = [
        opts.san ? `subjectAltName=${opts.san}` : '',
        opts.clientAuth ? 'extendedKeyUsage=clientAuth' : 'extendedKeyUsage=serverAuth',
      ];
      writeFileSync(join(dir, `${name}.ext`), ext.filter(Boolean).join('\n') + '\n');
      openssl(dir, ['req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', opts.subject]);
      openssl(dir, [
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-out',
        `${name}.crt`,
        '-days',
        '1',
        '-extfile',
        `${name}.ext`,
      ]);
      const certFile = join(dir, `${name}.crt`);
      const keyFile = join(dir, `${name}.key`);
      return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8'), certFile, keyFile };
    },
  };
}

export interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** The CN of the client certificate, when one was presented. */
  clientCn?: string;
}

export type Handler = (req: Seen, res: ServerResponse) => void;

export interface FakeApiServer {
  url: string;
  port: number;
  seen: Seen[];
  handle(h: Handler): void;
  close(): Promise<void>;
}

/** JSON with a status code. */
export function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** A server with this certificate; every request is recorded, then answered by the current handler. */
export async function startServer(pki: Pki, server: { cert: string; key: string }): Promise<FakeApiServer> {
  const seen: Seen[] = [];
  let handler: Handler = (_req, res) => reply(res, 200, {});
  const srv = https.createServer(
    { cert: server.cert, key: server.key, ca: pki.caPem, requestCert: true, rejectUnauthorized: false },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const peer = (req.socket as TLSSocket).getPeerCertificate();
        const cn = peer?.subject?.CN;
        const s: Seen = {
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        };
        if (typeof cn === 'string') s.clientCn = cn;
        seen.push(s);
        handler(s, res);
      });
    },
  );
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    seen,
    handle: (h) => void (handler = h),
    close: () =>
      new Promise<void>((resolve) => {
        srv.closeAllConnections();
        srv.close(() => resolve());
      }),
  };
}

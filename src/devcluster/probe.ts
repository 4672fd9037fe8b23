import { request } from 'node:https';
import { request as httpRequest } from 'node:http';

export interface ProbeResult {
  status: number;
  body: string;
}

/** One GET with a short timeout; never throws, a connection failure is status 0. */
export function probe(
  url: string,
  opts: { ca?: string; token?: string; timeoutMs?: number } = {},
): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const u = new URL(url);
    const headers: Record<string, string> = {};
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    const mk = u.protocol === 'https:' ? request : httpRequest;
    const req = mk(u, { method: 'GET', headers, ca: opts.ca, timeout: opts.timeoutMs ?? 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err) => resolve({ status: 0, body: String(err) }));
    req.end();
  });
}

export interface WaitOptions {
  what: string;
  timeoutMs: number;
  /** Checked between attempts: a reason to stop waiting early (e.g. the process exited). */
  abortIf?: () => string | undefined;
  intervalMs?: number;
  /** Poll every `intervalMs` throughout, instead of backing off to once a second (a short window to catch). */
  fixedInterval?: boolean;
}

/**
 * Polls `check` until it returns a value, the timeout passes or abortIf gives a reason. This is
 * readiness by probing: every attempt asks the component itself.
 */
export async function waitFor<T>(
  check: () => T | undefined | Promise<T | undefined>,
  opts: WaitOptions,
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let interval = opts.intervalMs ?? 100;
  let last = '';
  for (;;) {
    const aborted = opts.abortIf?.();
    if (aborted) throw new Error(`${opts.what}: ${aborted}`);
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${opts.what}: not ready after ${opts.timeoutMs / 1000}s${last ? ` (last error: ${last})` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, interval));
    if (!opts.fixedInterval) interval = Math.min(interval * 1.5, 1000);
  }
}

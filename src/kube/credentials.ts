// What authenticates a request: a bearer token, basic auth or a client certificate, obtained once or
// refreshed (token files rotate; exec plugins issue expiring credentials). Secrets held here never go
// into an error message.
import { readFile } from 'node:fs/promises';

export interface AuthState {
  /** The value of the Authorization header. */
  authorization?: string;
  /** A client certificate and its key, PEM. */
  cert?: string;
  key?: string;
}

export interface Credentials {
  /** The credentials to send now; may read a file or run a process, at most once at a time. */
  current(): Promise<AuthState>;
  /**
   * Forgets what is cached after the server answered 401. True when obtaining the credentials again may
   * give different ones, so one retry of the request is worthwhile.
   */
  invalidate(): boolean;
}

export const bearer = (token: string): string => `Bearer ${token}`;
export const basic = (username: string, password: string): string =>
  `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

/** Credentials that never change. */
export function staticCredentials(state: AuthState): Credentials {
  return { current: () => Promise.resolve(state), invalidate: () => false };
}

export interface TokenFileOptions {
  /** How often the file is read again at most (projected ServiceAccount tokens rotate); default 5 s. */
  recheckMs?: number;
  now?: () => number;
}

/**
 * A bearer token read from a file, read again when `recheckMs` has passed since the last read, and at
 * once after a 401. A file that cannot be read keeps the last token read, as long as there is one.
 * `base` adds a client certificate (a kubeconfig user may have both).
 */
export function tokenFileCredentials(
  path: string,
  opts: TokenFileOptions = {},
  base: AuthState = {},
): Credentials {
  const recheckMs = opts.recheckMs ?? 5_000;
  const now = opts.now ?? Date.now;
  let token: string | undefined;
  let readAt = -Infinity;
  let reading: Promise<string> | undefined;

  const read = async (): Promise<string> => {
    try {
      const text = (await readFile(path, 'utf8')).trim();
      if (text === '') throw new Error('it is empty');
      token = text;
    } catch (err) {
      if (token === undefined) {
        const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
        throw new Error(`cannot read the token file ${path}: ${why}`, { cause: err });
      }
    } finally {
      readAt = now();
    }
    return token;
  };

  return {
    async current() {
      if (token === undefined || now() - readAt >= recheckMs) {
        reading ??= read().finally(() => (reading = undefined));
        await reading;
      }
      return { ...base, authorization: bearer(token as string) };
    },
    invalidate() {
      readAt = -Infinity;
      return true;
    },
  };
}

// One classification of API errors, made where they enter (src/kube): every failed call throws a
// KubeApiError carrying the HTTP status and the server's Status; transport failures (refused, reset, TLS,
// timeouts) are KubeApiError with statusCode 0. `errorClass` also reads client-node's ApiException (`code`)
// and errors that only carry `statusCode`, so the tests' client-node calls classify the same way.

/** What a caller should do about a failed call. */
export type ErrorClass = 'not-found' | 'conflict' | 'gone' | 'forbidden' | 'retryable' | 'terminal';

export interface KubeStatus {
  kind?: 'Status';
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    causes?: { reason?: string; message?: string; field?: string }[];
  };
}

export class KubeApiError extends Error {
  /** The HTTP status; 0 when no response arrived. */
  readonly statusCode: number;
  /** The Status `reason` (NotFound, AlreadyExists, Conflict, Expired, Invalid, …) when the server sent one. */
  readonly reason: string | undefined;
  readonly status: KubeStatus | undefined;
  constructor(message: string, statusCode: number, status?: KubeStatus, options?: ErrorOptions) {
    super(message, options);
    this.name = 'KubeApiError';
    this.statusCode = statusCode;
    this.status = status;
    this.reason = status?.reason;
  }
  /** Same as statusCode, for code that reads client-node's `ApiException.code`. */
  get code(): number {
    return this.statusCode;
  }
}

/** The HTTP status of a failed API call, or undefined for errors that did not come from the server. */
export function statusCode(err: unknown): number | undefined {
  if (err instanceof KubeApiError) return err.statusCode === 0 ? undefined : err.statusCode;
  const e = err as { statusCode?: unknown; code?: unknown } | null;
  if (typeof e?.statusCode === 'number') return e.statusCode;
  return typeof e?.code === 'number' ? e.code : undefined;
}

export function errorClass(err: unknown): ErrorClass {
  const code = statusCode(err);
  if (code === undefined) return 'retryable';
  if (code === 404) return 'not-found';
  if (code === 409) return 'conflict';
  if (code === 410) return 'gone';
  if (code === 401 || code === 403) return 'forbidden';
  if (code === 408 || code === 429 || code >= 500) return 'retryable';
  return 'terminal';
}

export const isNotFound = (err: unknown): boolean => statusCode(err) === 404;
export const isConflict = (err: unknown): boolean => statusCode(err) === 409;
export const isGone = (err: unknown): boolean => statusCode(err) === 410;
export const isRetryable = (err: unknown): boolean => errorClass(err) === 'retryable';

/** The `message` of a Kubernetes Status, else the error's own message. */
export function apiMessage(err: unknown): string {
  if (err instanceof KubeApiError) return err.status?.message ?? err.message;
  const body = (err as { body?: unknown } | null)?.body;
  if (body !== undefined) {
    try {
      const parsed = (typeof body === 'string' ? JSON.parse(body) : body) as { message?: string } | null;
      if (parsed?.message) return parsed.message;
    } catch {
      // not JSON
    }
  }
  return err instanceof Error ? err.message : String(err);
}

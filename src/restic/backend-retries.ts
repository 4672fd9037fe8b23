// restic retries every failed backend request with exponential backoff for up to 15 minutes (hard-coded in
// v0.19.1, `internal/global/global.go`), printing one plain-text line on stderr per retry, even with
// `--json`. A stopped object store, a wrong access key and a missing bucket all look the same from outside:
// a process that makes no progress for a quarter of an hour. These pure functions read those lines so the
// runner can stop early with an error that says which of the three it is.

/** `Save(<data/0a1b2c3d4e>) returned error, retrying after 1.2s: <cause>` */
export interface BackendRetry {
  operation: string;
  /** restic's delay before the next attempt, in milliseconds (NaN when unreadable). */
  retryInMs: number;
  cause: string;
}

/** `Save(<data/0a1b2c3d4e>) operation successful after 3 retries` */
export interface BackendRecovery {
  operation: string;
  retries: number;
}

/**
 * What a retried backend error means:
 * - `auth`: the credentials are wrong or lack a permission; retrying will not help;
 * - `bucket-missing`: the bucket or container does not exist (restic's init creates it, S3 only);
 * - `invalid`: the request can never succeed as configured (an invalid bucket name);
 * - `transient`: anything else (connection refused, timeouts, 5xx): worth waiting for, up to a limit.
 */
export type BackendRetryCause = 'auth' | 'bucket-missing' | 'invalid' | 'transient';

const RETRY_LINE = /^(.+?) returned error, retrying after (\S+): (.*)$/;
const RECOVERY_LINE = /^(.+?) operation successful after (\d+) retries$/;

// Messages of S3 (AWS, MinIO), GCS and Azure for rejected credentials or permissions.
const AUTH_PATTERNS: readonly RegExp[] = [
  /signature we calculated does not match/i,
  /access key id you provided does not exist/i,
  /\b(?:InvalidAccessKeyId|SignatureDoesNotMatch|AccessDenied|InvalidToken|ExpiredToken|AuthorizationHeaderMalformed)\b/,
  /\baccess denied\b/i,
  /\bsecurity token included in the request is (?:invalid|expired)\b/i,
  /\b(?:AuthenticationFailed|AuthorizationFailure|AuthorizationPermissionMismatch)\b/,
  /\bInvalid Credentials\b/i,
  /\bdoes not have storage\.\S+ access\b/i,
  /\b(?:Error|status|code)\W{0,3}(?:401|403)\b/i,
];

const BUCKET_MISSING_PATTERNS: readonly RegExp[] = [
  /specified bucket does not exist/i,
  /\bNoSuchBucket\b/,
  /\bbucket doesn't exist\b/i,
  /\bContainerNotFound\b/,
];

// Client-side validation errors restic retries all the same (minio-go checks bucket names).
const INVALID_PATTERNS: readonly RegExp[] = [
  /\bBucket name (?:cannot|contains invalid)/i,
  /\bInvalidBucketName\b/,
  /\binvalid bucket name\b/i,
];

/** Reads one stderr line; undefined when it is not a retry message. */
export function parseBackendRetry(line: string): BackendRetry | undefined {
  const match = RETRY_LINE.exec(line.trim());
  if (!match) return undefined;
  return { operation: match[1] ?? '', retryInMs: parseGoDuration(match[2] ?? ''), cause: match[3] ?? '' };
}

/** Reads one stderr line; undefined when it is not a recovery message. */
export function parseBackendRecovery(line: string): BackendRecovery | undefined {
  const match = RECOVERY_LINE.exec(line.trim());
  if (!match) return undefined;
  return { operation: match[1] ?? '', retries: Number(match[2]) };
}

export function classifyBackendCause(cause: string): BackendRetryCause {
  if (AUTH_PATTERNS.some((pattern) => pattern.test(cause))) return 'auth';
  if (BUCKET_MISSING_PATTERNS.some((pattern) => pattern.test(cause))) return 'bucket-missing';
  if (INVALID_PATTERNS.some((pattern) => pattern.test(cause))) return 'invalid';
  return 'transient';
}

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** A Go duration (`1m27.09s`, `950.4ms`) in milliseconds; NaN when it is not one. */
export function parseGoDuration(text: string): number {
  const parts = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/.test(text)
    ? [...text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)]
    : [];
  if (parts.length === 0) return Number.NaN;
  return parts.reduce((total, part) => total + Number(part[1]) * (UNIT_MS[part[2] ?? ''] ?? Number.NaN), 0);
}

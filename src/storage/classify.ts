// Every error a storage backend meets is classified here, where it enters Cairn, into one of five kinds, and
// wrapped in a StorageBackendError that says whether retrying can help. The message names the operation, the
// key and the location; the SDK's own text follows, passed through the redactor built from the Secret, so
// no credential an SDK or a server echoes back (a signature mismatch that quotes the key id, a URL with a
// SAS token) can reach status, Events or logs.
//
// Pure: the adapters hand in whatever their SDK threw (AWS SDK v3 service exceptions, Azure RestError,
// Google ApiError, Node system errors, fetch/undici errors with causes) and get a typed error back.

import type { Redactor } from '../common/redact.ts';
import type { StorageProvider } from './types.ts';

export const StorageErrorKind = {
  /** The object does not exist (the bucket or container does). */
  notFound: 'not-found',
  /** The credentials are wrong, expired or lack a permission. */
  accessDenied: 'access-denied',
  /** The bucket, container or mounted directory itself does not exist. */
  bucketMissing: 'bucket-missing',
  /** The service could not be reached or did not answer in time: retry. */
  unreachable: 'unreachable',
  /** Anything else; `retryable` says whether the service asked for a retry (5xx, throttling). */
  other: 'other',
} as const;
export type StorageErrorKind = (typeof StorageErrorKind)[keyof typeof StorageErrorKind];

export type StorageOperation = 'put' | 'get' | 'stat' | 'list' | 'delete';

/** What the adapter was doing when the error came. */
export interface ErrorContext {
  provider: StorageProvider;
  operation: StorageOperation;
  /** The key or prefix concerned. */
  key: string;
  /** Where: `bucket "b" at <endpoint>`, `container "c" of account "a"`, `directory /mnt`. Never secret. */
  location: string;
  /**
   * What a 404 without a telling code means: a missing object or a missing bucket/container. Defaults to
   * `object` for get and stat and to `bucket` for put, list and delete, which cannot miss an object.
   */
  subject?: 'object' | 'bucket';
  /** Built from the values of the storage Secret. */
  redactor: Redactor;
}

export interface StorageBackendErrorFields {
  kind: StorageErrorKind;
  retryable: boolean;
  provider: StorageProvider;
  operation: StorageOperation;
  key: string;
  status: number | undefined;
  code: string | undefined;
}

/** A classified, redacted storage error. `cause` is the SDK's error, redacted. */
export class StorageBackendError extends Error {
  readonly kind: StorageErrorKind;
  readonly retryable: boolean;
  readonly provider: StorageProvider;
  readonly operation: StorageOperation;
  readonly key: string;
  /** HTTP status of the response, when there was one. */
  readonly status: number | undefined;
  /** The service's or the system's error code (`NoSuchKey`, `ContainerNotFound`, `ECONNREFUSED`). */
  readonly code: string | undefined;
  constructor(fields: StorageBackendErrorFields, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StorageBackendError';
    this.kind = fields.kind;
    this.retryable = fields.retryable;
    this.provider = fields.provider;
    this.operation = fields.operation;
    this.key = fields.key;
    this.status = fields.status;
    this.code = fields.code;
  }
}

export function isStorageBackendError(err: unknown, kind?: StorageErrorKind): err is StorageBackendError {
  return err instanceof StorageBackendError && (kind === undefined || err.kind === kind);
}

/** The facts classification rests on, gathered from an error and its causes. */
export interface ErrorFacts {
  /** HTTP status of the response, when the error carries one. */
  status: number | undefined;
  /** Every string code found, outermost first: service error codes, then system codes. */
  codes: string[];
  /** True when an error in the chain is a timeout by name. */
  timedOut: boolean;
  /** The outermost message. */
  message: string;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  // Azure's pipeline reports a failed send under its own code.
  'REQUEST_SEND_ERROR',
]);

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
]);

const ACCESS_CODES = new Set([
  'AccessDenied',
  'AllAccessDisabled',
  'InvalidAccessKeyId',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'InvalidToken',
  'ExpiredToken',
  'TokenRefreshRequired',
  'AuthorizationFailure',
  'AuthorizationPermissionMismatch',
  'AuthorizationResourceTypeMismatch',
  'AuthenticationFailed',
  'InvalidAuthenticationInfo',
  'NoAuthenticationInformation',
  'forbidden',
  'unauthorized',
  'invalid_grant',
  'EACCES',
  'EPERM',
  'EROFS',
]);

const BUCKET_CODES = new Set(['NoSuchBucket', 'ContainerNotFound', 'ContainerBeingDeleted']);

const NOT_FOUND_CODES = new Set(['NoSuchKey', 'NotFound', 'BlobNotFound', 'ENOENT', 'ENOTDIR', 'EISDIR']);

// Codes by which a service asks to be retried later.
const RETRY_CODES = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequests',
  'RequestTimeout',
  'ServiceUnavailable',
  'InternalError',
  'ServerBusy',
  'OperationTimedOut',
  'XMinioServerNotInitialized',
  'rateLimitExceeded',
  'backendError',
]);

const RETRY_STATUSES = new Set([408, 429, 500, 502, 503, 504]);

// What the AWS SDK says when a response (a HEAD) had no body to name the error.
const UNINFORMATIVE = new Set(['Unknown', 'UnknownError']);

const MAX_DEPTH = 8;
const MAX_DETAIL = 400;

/** Gathers status, codes and timeout markers from an error, its `cause` chain and AggregateError members. */
export function errorFacts(err: unknown): ErrorFacts {
  const facts: ErrorFacts = { status: undefined, codes: [], timedOut: false, message: messageOf(err) };
  const seen = new Set<unknown>();
  const visit = (value: unknown, depth: number): void => {
    if (typeof value !== 'object' || value === null || seen.has(value) || depth > MAX_DEPTH) return;
    seen.add(value);
    const record = value as Record<string, unknown>;
    if (facts.status === undefined) facts.status = statusOf(record);
    // AWS SDK service exceptions carry the service's code as their name (and sometimes `Code`).
    const name = typeof record.name === 'string' ? record.name : undefined;
    const isServiceException = typeof record.$metadata === 'object' && record.$metadata !== null;
    // Azure's RestError keeps x-ms-error-code in `details.errorCode` (the only place for HEAD responses).
    const details = record.details;
    const azureCode =
      typeof details === 'object' && details !== null
        ? (details as Record<string, unknown>).errorCode
        : undefined;
    for (const code of [record.Code, record.code, azureCode, isServiceException ? name : undefined]) {
      if (
        typeof code === 'string' &&
        code !== '' &&
        !UNINFORMATIVE.has(code) &&
        !facts.codes.includes(code)
      ) {
        facts.codes.push(code);
      }
    }
    // Google errors list reasons (`notFound`, `forbidden`) in `errors[]`.
    if (Array.isArray(record.errors)) {
      for (const inner of record.errors as unknown[]) {
        if (inner instanceof Error) visit(inner, depth + 1);
        else if (typeof inner === 'object' && inner !== null) {
          const reason = (inner as Record<string, unknown>).reason;
          if (typeof reason === 'string' && !facts.codes.includes(reason)) facts.codes.push(reason);
        }
      }
    }
    if (name === 'TimeoutError' || (name === 'AbortError' && /time/i.test(messageOf(value)))) {
      facts.timedOut = true;
    }
    visit(record.cause, depth + 1);
  };
  visit(err, 0);
  return facts;
}

function statusOf(record: Record<string, unknown>): number | undefined {
  const metadata = record.$metadata;
  if (typeof metadata === 'object' && metadata !== null) {
    const code = (metadata as Record<string, unknown>).httpStatusCode;
    if (isHttpStatus(code)) return code;
  }
  for (const candidate of [record.statusCode, record.status]) {
    if (isHttpStatus(candidate)) return candidate;
  }
  // Google's ApiError puts the HTTP status in a numeric `code`.
  if (isHttpStatus(record.code)) return record.code;
  const response = record.response;
  if (typeof response === 'object' && response !== null) {
    const status = (response as Record<string, unknown>).status;
    if (isHttpStatus(status)) return status;
  }
  return undefined;
}

function isHttpStatus(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 100 && value <= 599;
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return UNINFORMATIVE.has(err.message) ? '' : err.message;
  if (typeof err === 'object' && err !== null) {
    const record = err as Record<string, unknown>;
    for (const field of ['message', 'Message']) {
      if (typeof record[field] === 'string') return record[field];
    }
  }
  return typeof err === 'string' ? err : '';
}

export interface Classification {
  kind: StorageErrorKind;
  retryable: boolean;
  /** The code that decided, when one did. */
  code: string | undefined;
  /** A TLS verification failure (terminal; the fix is CA_CERT_DATA or insecureTLS). */
  tls: boolean;
}

/** Decides the kind from the facts alone. `subject` says what a bare 404 was about. */
export function classifyFacts(facts: ErrorFacts, subject: 'object' | 'bucket' = 'object'): Classification {
  const find = (set: Set<string>): string | undefined => facts.codes.find((code) => set.has(code));
  const decide = (kind: StorageErrorKind, retryable: boolean, code: string | undefined, tls = false) => ({
    kind,
    retryable,
    code,
    tls,
  });
  const bucket = find(BUCKET_CODES);
  if (bucket) return decide(StorageErrorKind.bucketMissing, false, bucket);
  const access = find(ACCESS_CODES);
  if (access || facts.status === 401 || facts.status === 403) {
    return decide(StorageErrorKind.accessDenied, false, access ?? facts.codes[0]);
  }
  const notFound = find(NOT_FOUND_CODES);
  if (notFound || facts.status === 404) {
    const code = notFound ?? facts.codes[0];
    if (subject === 'bucket' || isBucketMessage(facts.message)) {
      return decide(StorageErrorKind.bucketMissing, false, code);
    }
    return decide(StorageErrorKind.notFound, false, code);
  }
  const tls = find(TLS_CODES);
  if (tls) return decide(StorageErrorKind.other, false, tls, true);
  const retry = find(RETRY_CODES);
  if (retry || (facts.status !== undefined && RETRY_STATUSES.has(facts.status))) {
    return decide(StorageErrorKind.other, true, retry ?? facts.codes[0]);
  }
  const network = find(NETWORK_CODES);
  if (network || (facts.status === undefined && facts.timedOut)) {
    return decide(StorageErrorKind.unreachable, true, network ?? 'TimeoutError');
  }
  return decide(StorageErrorKind.other, false, facts.codes[0]);
}

// A 404 whose text says the bucket is what is missing (GCS: "The specified bucket does not exist.",
// fake-gcs-server: "bucket not found").
function isBucketMessage(message: string): boolean {
  return /\bbucket\b[^.]*\b(does not exist|not found)\b/i.test(message) && !/\bobject\b/i.test(message);
}

function summary(c: Classification, ctx: ErrorContext): string {
  switch (c.kind) {
    case StorageErrorKind.notFound:
      return 'not found';
    case StorageErrorKind.accessDenied:
      return 'access denied: check the credentials in the storage Secret and what they are allowed to do';
    case StorageErrorKind.bucketMissing:
      return ctx.provider === 'local'
        ? 'the directory does not exist: is the volume mounted?'
        : `the ${ctx.provider === 'azure' ? 'container' : 'bucket'} does not exist`;
    case StorageErrorKind.unreachable:
      return 'the storage service could not be reached or did not answer in time';
    case StorageErrorKind.other:
      if (c.tls) return 'TLS verification failed: set CA_CERT_DATA in the storage Secret, or insecureTLS';
      return c.retryable ? 'the storage service is failing or busy' : 'failed';
  }
}

/**
 * Wraps any error an adapter met into a StorageBackendError. Already classified errors pass through
 * unchanged. The message has the form
 * `s3 get "prefix/metadata.yaml" in bucket "b" at http://…: not found (NoSuchKey, HTTP 404): <SDK text>`,
 * redacted as a whole; the cause is the redacted SDK error.
 */
export function classifyError(err: unknown, ctx: ErrorContext): StorageBackendError {
  if (err instanceof StorageBackendError) return err;
  const facts = errorFacts(err);
  const subject = ctx.subject ?? (ctx.operation === 'get' || ctx.operation === 'stat' ? 'object' : 'bucket');
  const c = classifyFacts(facts, subject);
  const tags = [c.code, facts.status === undefined ? undefined : `HTTP ${facts.status}`].filter(Boolean);
  const detail = oneLine(facts.message);
  const text =
    `${ctx.provider} ${ctx.operation} ${JSON.stringify(ctx.key)} in ${ctx.location}: ${summary(c, ctx)}` +
    (tags.length > 0 ? ` (${tags.join(', ')})` : '') +
    (detail !== '' ? `: ${detail}` : '');
  return new StorageBackendError(
    {
      kind: c.kind,
      retryable: c.retryable,
      provider: ctx.provider,
      operation: ctx.operation,
      key: ctx.key,
      status: facts.status,
      code: c.code === undefined ? undefined : ctx.redactor.redact(c.code),
    },
    ctx.redactor.redact(text),
    { cause: ctx.redactor.redactError(err) },
  );
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_DETAIL ? `${flat.slice(0, MAX_DETAIL)}…` : flat;
}

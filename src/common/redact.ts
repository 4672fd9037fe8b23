// The one redactor. Every string that leaves a task or the operator (status messages, Events, logs, errors)
// passes through a Redactor built from the secret values in play, so a password or credential that restic,
// a backend or a library echoes back never reaches anyone who can read those.
//
// What is removed:
// - each secret as given, and in the forms it is likely to be echoed in: base64 (standard, unpadded, URL
//   alphabet), percent-encoded (upper- and lower-case hex, `+` for space) and JSON-escaped;
// - for a secret that is a JSON object (a service-account key), also the values of its credential fields
//   (`private_key`, `private_key_id`, `client_secret`, `refresh_token`, anything named like a key, secret,
//   token or password), since errors quote those alone;
// - whatever the secrets: the user info of URLs (`scheme://user:pass@host`), `Basic`/`Bearer` credentials,
//   signature or token query parameters of signed URLs (S3, GCS, Azure SAS), PEM blocks (private keys,
//   certificates), `token=…`/`password=…`/`secret=…`/`key=…` pairs, and the values after the names of the
//   credential environment variables Cairn sets.
//
// `redact(text)` and `errorText(err)` apply only those patterns, for texts with no known secret values in
// play (the operator's logs and admission responses).
//
// Short secrets: empty values are ignored. A form shorter than `minLength` (4 by default) is removed only
// where it stands alone as a token (no letter or digit right before or after it). Replacing every
// occurrence of a one- or two-character value would garble every message while protecting nothing: such a
// value is guessed at once anyway. Whitespace-only short values are ignored for the same reason.

export const REDACTED = '[REDACTED]';
export const DEFAULT_MIN_LENGTH = 4;

export interface RedactorOptions {
  /** Forms at least this long are removed wherever they occur; shorter ones only as whole tokens. */
  minLength?: number;
}

export interface Redactor {
  /** The text with every secret form and credential pattern replaced by `[REDACTED]`. */
  redact(text: string): string;
  /**
   * A new Error carrying the redacted message, name and stack of `err`, its redacted cause chain
   * (AggregateError members included), and its own string, number and boolean properties (strings
   * redacted). Object-valued properties are dropped: they cannot be shown to be free of secrets.
   */
  redactError(err: unknown): Error;
  /** A new Error with the redacted `message`, whose cause is `redactError(cause)`. */
  wrap(message: string, cause?: unknown): Error;
}

const CREDENTIAL_FIELD = /key|secret|token|password|credential/i;
const MAX_CAUSE_DEPTH = 16;
const ALWAYS: readonly [RegExp, string][] = [
  [/-----BEGIN [A-Z ]+-----[\s\S]*?(?:-----END [A-Z ]+-----|$)/g, `${REDACTED} PEM`],
  [/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]+@/gi, `$1${REDACTED}@`],
  [/\b(Basic|Bearer)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${REDACTED}`],
  [/\b(token|password|secret|key)=(?!\[REDACTED\])[^\s&,;"']+/gi, `$1=${REDACTED}`],
  [
    /\b(AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN|AZURE_ACCOUNT_KEY|RESTIC_PASSWORD)=(?!\[REDACTED\])\S+/g,
    `$1=${REDACTED}`,
  ],
  [
    /([?&](?:x-amz-signature|x-amz-credential|x-amz-security-token|x-goog-signature|x-goog-credential|sig|signature|access_token|token)=)[^&\s#"']+/gi,
    `$1${REDACTED}`,
  ],
];

/** Builds a redactor for these secret values; undefined, null and empty values are skipped. */
export function createRedactor(
  secrets: Iterable<string | null | undefined>,
  options: RedactorOptions = {},
): Redactor {
  const minLength = options.minLength ?? DEFAULT_MIN_LENGTH;
  const long = new Set<string>();
  const short = new Set<string>();
  for (const secret of expandSecrets(secrets)) {
    for (const form of formsOf(secret)) {
      if (form.length >= minLength) long.add(form);
      else if (form.trim() !== '') short.add(form);
    }
  }
  const longPattern = alternation(long);
  const shortPattern = short.size > 0 ? `(?<![A-Za-z0-9])(?:${alternation(short)})(?![A-Za-z0-9])` : '';
  const longRegex = long.size > 0 ? new RegExp(longPattern, 'g') : undefined;
  const shortRegex = short.size > 0 ? new RegExp(shortPattern, 'g') : undefined;

  const redact = (text: string): string => {
    let out = text;
    if (longRegex) out = out.replace(longRegex, REDACTED);
    if (shortRegex) out = out.replace(shortRegex, REDACTED);
    for (const [pattern, replacement] of ALWAYS) out = out.replace(pattern, replacement);
    return out;
  };
  const redactError = (err: unknown): Error => redactErrorWith(redact, err, new Set(), 0);
  return {
    redact,
    redactError,
    wrap: (message, cause) =>
      new Error(redact(message), cause === undefined ? undefined : { cause: redactError(cause) }),
  };
}

function* expandSecrets(secrets: Iterable<string | null | undefined>): Generator<string> {
  for (const secret of secrets) {
    if (typeof secret !== 'string' || secret === '') continue;
    yield secret;
    yield* credentialFields(secret);
  }
}

function credentialFields(secret: string): string[] {
  const trimmed = secret.trim();
  if (!trimmed.startsWith('{')) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    return [];
  }
  if (typeof parsed !== 'object' || parsed === null) return [];
  const found: string[] = [];
  for (const [field, fieldValue] of Object.entries(parsed)) {
    if (CREDENTIAL_FIELD.test(field) && typeof fieldValue === 'string' && fieldValue !== '')
      found.push(fieldValue);
  }
  return found;
}

function formsOf(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const base64 = bytes.toString('base64');
  const percent = encodeURIComponent(secret);
  return [
    secret,
    base64,
    base64.replace(/=+$/, ''),
    bytes.toString('base64url'),
    percent,
    percent.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase()),
    percent.replaceAll('%20', '+'),
    JSON.stringify(secret).slice(1, -1),
  ];
}

function alternation(values: Set<string>): string {
  return [...values]
    .sort((a, b) => b.length - a.length)
    .map((value) => value.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&'))
    .join('|');
}

function describe(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) {
    try {
      return JSON.stringify(value);
    } catch {
      return Object.prototype.toString.call(value);
    }
  }
  return String(value);
}

const SKIPPED_PROPERTIES = new Set(['message', 'stack', 'name', 'cause', 'errors']);

function redactErrorWith(
  redact: (text: string) => string,
  err: unknown,
  seen: Set<unknown>,
  depth: number,
): Error {
  if (!(err instanceof Error)) return new Error(redact(describe(err)));
  if (seen.has(err) || depth >= MAX_CAUSE_DEPTH) return new Error(redact(err.message));
  seen.add(err);

  const out =
    err instanceof AggregateError
      ? new AggregateError(
          (Array.isArray(err.errors) ? err.errors : []).map((member) =>
            redactErrorWith(redact, member, seen, depth + 1),
          ),
          redact(err.message),
        )
      : new Error(redact(err.message));
  out.name = redact(err.name);
  if (err.stack !== undefined) out.stack = redact(err.stack);

  const target = out as unknown as Record<string, unknown>;
  for (const [key, property] of Object.entries(err)) {
    if (SKIPPED_PROPERTIES.has(key)) continue;
    if (typeof property === 'string') target[key] = redact(property);
    else if (typeof property === 'number' || typeof property === 'boolean' || property === null) {
      target[key] = property;
    } else if (Array.isArray(property) && property.every((item) => typeof item === 'string')) {
      target[key] = property.map((item: string) => redact(item));
    }
  }
  if (typeof err.cause === 'string') out.cause = redact(err.cause);
  else if (err.cause !== undefined) out.cause = redactErrorWith(redact, err.cause, seen, depth + 1);
  return out;
}

const PATTERNS_ONLY = createRedactor([]);

/** The text with the credential patterns replaced (no known secret values): for operator logs and responses. */
export function redact(text: string): string {
  return PATTERNS_ONLY.redact(text);
}

/**
 * An error's message followed by the messages of its causes (`fetch failed: connect ECONNREFUSED …`), each
 * once, redacted by the credential patterns; for the `err` field of logs and for responses.
 */
export function errorText(err: unknown, redactor: Redactor = PATTERNS_ONLY): string {
  const parts: string[] = [];
  let cur: unknown = err;
  for (let depth = 0; cur !== undefined && cur !== null && depth < 4; depth++) {
    const message = cur instanceof Error ? cur.message : typeof cur === 'string' ? cur : describe(cur);
    if (!parts.some((p) => p.includes(message))) parts.push(message);
    cur = cur instanceof Error ? cur.cause : undefined;
  }
  return redactor.redact(parts.join(': '));
}

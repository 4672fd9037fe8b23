// Redaction of error texts before they reach logs or admission responses.

const PATTERNS: [RegExp, string][] = [
  [/-----BEGIN [A-Z ]+-----[\s\S]*?(-----END [A-Z ]+-----|$)/g, '[redacted PEM]'],
  [/\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 [redacted]'],
  [/\b(token|password|secret|key)=([^\s&,;]+)/gi, '$1=[redacted]'],
  [/(AWS_SECRET_ACCESS_KEY|AZURE_ACCOUNT_KEY|RESTIC_PASSWORD)\S*/g, '$1=[redacted]'],
];

/** The text with PEM blocks, bearer/basic credentials and `key=value` secrets replaced. */
export function redact(text: string): string {
  let out = text;
  for (const [re, by] of PATTERNS) out = out.replace(re, by);
  return out;
}

/**
 * An error's message with the messages of its causes (`fetch failed: connect ECONNREFUSED …`), redacted; for
 * logs (`err` field) and responses.
 */
export function errorText(err: unknown): string {
  const parts: string[] = [];
  let cur: unknown = err;
  for (let depth = 0; cur !== undefined && cur !== null && depth < 4; depth++) {
    const message = cur instanceof Error ? cur.message : typeof cur === 'string' ? cur : JSON.stringify(cur);
    if (!parts.some((p) => p.includes(message))) parts.push(message);
    cur = cur instanceof Error ? cur.cause : undefined;
  }
  return redact(parts.join(': '));
}

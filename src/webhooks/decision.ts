// What a webhook decides: allow (optionally with JSON patches) or deny with field-level reasons. Decide
// functions are pure and return these values; the server turns them into AdmissionReview responses.

/** One RFC 6902 operation, applied by the API server to the object as it was sent to the webhook. */
export interface JsonPatchOp {
  op: 'add' | 'replace' | 'remove' | 'test';
  path: string;
  value?: unknown;
}

/**
 * One reason to reject: the offending field as a Kubernetes field path (`spec.backends[0].storageRef`),
 * what is wrong with it, and how to fix it.
 */
export interface Denial {
  field: string;
  problem: string;
  fix: string;
}

export interface Decision {
  allowed: boolean;
  denials: Denial[];
  patch: JsonPatchOp[];
  /** Shown to the client (kubectl prints them) whether or not the object is allowed. */
  warnings: string[];
  /**
   * Set when the decision rests on something not found (a default looked up and missing), so a fresher view
   * of the cluster could decide otherwise; denials are treated the same way. The server then decides again
   * from the API server itself.
   */
  unresolved?: boolean;
}

export function allow(patch: JsonPatchOp[] = [], warnings: string[] = []): Decision {
  return { allowed: true, denials: [], patch, warnings };
}

/** Allows when `denials` is empty, denies otherwise. */
export function verdict(denials: Denial[], warnings: string[] = []): Decision {
  return { allowed: denials.length === 0, denials, patch: [], warnings };
}

/** The text of one denial: `field: problem; fix`. */
export function denialText(d: Denial): string {
  return `${d.field}: ${d.problem}; ${d.fix}`;
}

/** The message of a rejection: every denial, one per line. */
export function decisionMessage(d: Decision): string {
  return d.denials.map(denialText).join('\n');
}

/** An RFC 6901 JSON pointer from path segments (`~` and `/` escaped). */
export function pointer(...segments: (string | number)[]): string {
  return segments.map((s) => '/' + String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

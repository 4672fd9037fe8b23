// What a kubedump restore writes into `RestoreSession.status.components.manifest`: Running when it starts,
// then Succeeded when no object failed, or Failed with an error that counts the failures and names the first
// few; both with the count of each outcome in `objects` (a field Cairn adds to the component status). Pure:
// restore.ts runs the restore and patches the result. The per-object results themselves go to the results
// file; only counts and names reach the status, never an object's data.
import type { ObjectResult, OutcomeCounts } from '../../restore/types.ts';
import { goDuration } from './backup-status.ts';

export { MANIFEST_COMPONENT } from './backup-status.ts';

/** `status.components.manifest` as a merge patch; null removes what an earlier attempt wrote. */
export type RestoreComponentPatch = Record<string, unknown>;

/** How many failed objects the error names. */
export const NAMED_FAILURES = 3;
/** The longest message kept for one named failure. */
const MESSAGE_LIMIT = 160;

/** The component while the restore runs (what an earlier attempt wrote is removed). */
export function restoreRunning(): RestoreComponentPatch {
  return { phase: 'Running', duration: null, error: null, objects: null };
}

export interface RestoreResultInput {
  counts: OutcomeCounts;
  results: readonly ObjectResult[];
  durationMs: number;
  /** Where the results file is, for the error's pointer; undefined when it could not be written. */
  resultsFile?: string;
  /** Why the results file could not be written, already redacted. */
  resultsError?: string;
}

/** `12 created, 1 updated, 0 unchanged, 3 skipped, 0 failed`: every outcome, for statuses and logs. */
export function countsText(counts: OutcomeCounts): string {
  return `${counts.created} created, ${counts.updated} updated, ${counts.unchanged} unchanged, ${counts.skipped} skipped, ${counts.failed} failed`;
}

/**
 * The component after the engine ran, with `objects` counting each outcome: Succeeded when no object failed (and the results file was written),
 * else Failed with an error such as `2 of 40 objects failed to restore (…counts…): deployments.apps
 * demo/web: Immutable: …; …; the results file /kubestash-tmp/restore/results.jsonl lists every object`.
 */
export function restoreFinished(input: RestoreResultInput): RestoreComponentPatch {
  const { counts, results } = input;
  const total = results.length;
  const problems: string[] = [];
  if (counts.failed > 0) {
    const failed = results.filter((r) => r.outcome === 'failed');
    const named = failed.slice(0, NAMED_FAILURES).map(failureText);
    const more = failed.length > named.length ? `; and ${failed.length - named.length} more` : '';
    problems.push(
      `${counts.failed} of ${total} object(s) failed to restore (${countsText(counts)}): ${named.join('; ')}${more}` +
        (input.resultsFile ? `; ${input.resultsFile} lists every object` : ''),
    );
  }
  if (input.resultsError !== undefined) problems.push(input.resultsError);
  return {
    phase: problems.length === 0 ? 'Succeeded' : 'Failed',
    duration: goDuration(input.durationMs),
    error: problems.length === 0 ? null : problems.join('; '),
    objects: { ...counts },
  };
}

/** The component of a restore that failed before the engine reported; `error` is already redacted. */
export function restoreFailed(durationMs: number, error: string): RestoreComponentPatch {
  return { phase: 'Failed', duration: goDuration(durationMs), error, objects: null };
}

/** `resource namespace/name: reason: message`, the message cut to a line. */
export function failureText(r: ObjectResult): string {
  const id = `${r.resource} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`;
  const message = (r.message ?? '').replace(/\s+/g, ' ').trim();
  const cut = message.length > MESSAGE_LIMIT ? `${message.slice(0, MESSAGE_LIMIT - 1)}…` : message;
  return [id, r.reason ?? 'Failed', cut].filter((s) => s !== '').join(': ');
}

// The clock and builders shared by the retention unit tests (retention-successful, -failed-expired, -kubestash):
// a fixed now, a candidate Snapshot, and the names a policy keeps or the decision it makes for one Snapshot.
import assert from 'node:assert/strict';
import type { RetentionPolicySpec } from '../../../src/api/kinds/retentionpolicy.ts';
import { applyRetention, type RetentionCandidate } from '../../../src/api/retention.ts';

export const NOW = new Date('2026-03-15T12:00:00Z');

export function snap(
  name: string,
  time: string,
  phase = 'Succeeded',
  repository = 'repo',
  session = 'daily',
) {
  return { name, repository, session, phase, time: new Date(time) } satisfies RetentionCandidate;
}

/** The names kept, sorted, for compact assertions. */
export function kept(policy: RetentionPolicySpec, candidates: RetentionCandidate[], now = NOW): string[] {
  return applyRetention(policy, candidates, now)
    .decisions.filter((d) => d.keep)
    .map((d) => d.name)
    .sort();
}

export function decision(
  policy: RetentionPolicySpec,
  candidates: RetentionCandidate[],
  name: string,
  now = NOW,
) {
  const d = applyRetention(policy, candidates, now).decisions.find((x) => x.name === name);
  assert.ok(d, `no decision for ${name}`);
  return d;
}

// Which Snapshots a RetentionPolicy keeps and which it deletes, with the reasons for each. Pure: the caller
// passes the Snapshots and the time; nothing here reads the clock or the cluster.
//
// Choices where the API reference leaves room (written down so that callers and tests agree):
// - Scope: Snapshots are grouped by repository and session, and each group is judged on its own.
// - Phases: Succeeded Snapshots are "successful", Failed ones "failed"; any other phase (Pending, Running, or
//   none yet) is in progress and always kept, and counts toward no rule.
// - successfulSnapshots follows restic's `forget --keep-*`: newest first, `last` keeps the N newest; each of
//   hourly/daily/weekly/monthly/yearly keeps the newest Snapshot of each of the N most recent buckets (hour,
//   day, ISO 8601 week, month, year) that hold one. A Snapshot is kept if any rule selects it. A count of 0
//   or an absent count is no rule. When no count is above 0 (or successfulSnapshots is absent), successful
//   Snapshots are kept unless expired, as restic removes nothing without a keep rule.
// - Buckets are cut in UTC: the reference names no time zone, and a cluster has none.
// - maxRetentionPeriod deletes any successful or failed Snapshot older than it, even one a count rule
//   selects. Expired Snapshots are always older than unexpired ones, so counting before or after removing
//   them selects the same Snapshots.
// - failedSnapshots.last keeps the N newest failed Snapshots (1 when absent, the API default).
// - The newest successful Snapshot of a group is never deleted, whatever the policy says: a policy can never
//   leave a repository without a restorable backup.
// - A Snapshot's time is its status.snapshotTime, else its creationTimestamp; ties are broken by name, the
//   later name being the newer (generated names end in the session's unix time).
import type { Snapshot } from './kinds/snapshot.ts';
import type { RetentionPolicySpec } from './kinds/retentionpolicy.ts';
import { isRetentionExpired, parseRetentionPeriod, type RetentionPeriod } from './retention-period.ts';

/** What retention needs to know of one Snapshot. */
export interface RetentionCandidate {
  name: string;
  repository: string;
  session: string;
  /** The Snapshot's phase; anything but Succeeded and Failed counts as in progress. */
  phase?: string;
  /** When the backup was taken. */
  time: Date;
}

export const BUCKET_RULES = ['hourly', 'daily', 'weekly', 'monthly', 'yearly'] as const;
export type BucketRule = (typeof BUCKET_RULES)[number];

export type KeepReason =
  'last' | BucketRule | 'within-period' | 'newest-successful' | 'failed-last' | 'in-progress';
export type DeleteReason = 'expired' | 'not-selected' | 'beyond-failed-last';

export type RetentionDecision =
  { name: string; keep: true; reasons: KeepReason[] } | { name: string; keep: false; reason: DeleteReason };

export interface RetentionResult {
  /** One decision per candidate, in the order the candidates were given. */
  decisions: RetentionDecision[];
  /** Names of the Snapshots to delete (the decisions with keep false). */
  toDelete: string[];
}

/** The candidate a Snapshot object stands for (repository and session from its spec). */
export function retentionCandidate(snapshot: Snapshot): RetentionCandidate {
  const when = snapshot.status?.snapshotTime ?? snapshot.metadata?.creationTimestamp;
  const time = when === undefined ? new Date(Number.NaN) : new Date(when);
  return {
    name: snapshot.metadata?.name ?? '',
    repository: snapshot.spec?.repository ?? '',
    session: snapshot.spec?.session ?? '',
    phase: snapshot.status?.phase,
    time,
  };
}

/**
 * Applies `policy` at `now` to the candidates. Throws RetentionPeriodError for an unreadable
 * maxRetentionPeriod, and RangeError for a candidate without a valid time (its age cannot be judged, so
 * nothing is decided rather than guessing).
 */
export function applyRetention(
  policy: RetentionPolicySpec,
  candidates: readonly RetentionCandidate[],
  now: Date,
): RetentionResult {
  for (const c of candidates) {
    if (Number.isNaN(c.time.getTime())) throw new RangeError(`Snapshot ${c.name} has no valid time`);
  }
  const period =
    policy.maxRetentionPeriod === undefined ? undefined : parseRetentionPeriod(policy.maxRetentionPeriod);
  const byName = new Map<string, RetentionDecision>();
  const toDelete: string[] = [];
  for (const group of groups(candidates)) {
    for (const d of decideGroup(policy, period, group, now)) {
      byName.set(d.name, d);
      if (!d.keep) toDelete.push(d.name);
    }
  }
  return { decisions: candidates.map((c) => byName.get(c.name) as RetentionDecision), toDelete };
}

/** A sentence for an Event or a log line, e.g. "kept: last, daily" or "deleted: older than the period". */
export function describeDecision(d: RetentionDecision): string {
  if (d.keep) return `${d.name} kept (${d.reasons.join(', ')})`;
  const why: Record<DeleteReason, string> = {
    expired: 'older than maxRetentionPeriod',
    'not-selected': 'selected by no successfulSnapshots rule',
    'beyond-failed-last': 'more failed Snapshots than failedSnapshots.last',
  };
  return `${d.name} deleted (${why[d.reason]})`;
}

/** The bucket a time falls in for a rule, in UTC; equal keys mean the same bucket. */
export function bucketOf(rule: BucketRule, t: Date): number {
  const y = t.getUTCFullYear();
  const m = t.getUTCMonth() + 1;
  const d = t.getUTCDate();
  switch (rule) {
    case 'yearly':
      return y;
    case 'monthly':
      return y * 100 + m;
    case 'weekly': {
      const { year, week } = isoWeek(t);
      return year * 100 + week;
    }
    case 'daily':
      return (y * 100 + m) * 100 + d;
    case 'hourly':
      return ((y * 100 + m) * 100 + d) * 100 + t.getUTCHours();
  }
}

/** ISO 8601 week of a UTC date: weeks start on Monday; week 1 holds the year's first Thursday. */
export function isoWeek(t: Date): { year: number; week: number } {
  const day = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate()));
  const weekday = day.getUTCDay() || 7; // Monday 1 … Sunday 7
  day.setUTCDate(day.getUTCDate() + 4 - weekday); // the Thursday of this week decides the year
  const year = day.getUTCFullYear();
  const week = Math.ceil(((day.getTime() - Date.UTC(year, 0, 1)) / 86_400_000 + 1) / 7);
  return { year, week };
}

function groups(candidates: readonly RetentionCandidate[]): RetentionCandidate[][] {
  const out = new Map<string, RetentionCandidate[]>();
  for (const c of candidates) {
    const key = JSON.stringify([c.repository, c.session]);
    const list = out.get(key) ?? [];
    list.push(c);
    out.set(key, list);
  }
  return [...out.values()];
}

function newestFirst(a: RetentionCandidate, b: RetentionCandidate): number {
  return b.time.getTime() - a.time.getTime() || (a.name < b.name ? 1 : a.name > b.name ? -1 : 0);
}

function decideGroup(
  policy: RetentionPolicySpec,
  period: RetentionPeriod | undefined,
  group: RetentionCandidate[],
  now: Date,
): RetentionDecision[] {
  const sorted = [...group].sort(newestFirst);
  const expired = (c: RetentionCandidate): boolean =>
    period !== undefined && isRetentionExpired(period, c.time, now);
  const successful = sorted.filter((c) => c.phase === 'Succeeded');
  const failed = sorted.filter((c) => c.phase === 'Failed');
  const out: RetentionDecision[] = [];

  for (const c of sorted) {
    if (c.phase !== 'Succeeded' && c.phase !== 'Failed') {
      out.push({ name: c.name, keep: true, reasons: ['in-progress'] });
    }
  }

  const selected = selectSuccessful(policy, successful);
  successful.forEach((c, i) => {
    const reasons = selected.get(c.name) ?? [];
    if (i === 0) {
      // The newest successful Snapshot stays, whatever else applies to it; once expired, only this rule
      // keeps it.
      const kept: KeepReason[] = expired(c) ? [] : reasons;
      out.push({ name: c.name, keep: true, reasons: [...kept, 'newest-successful'] });
    } else if (expired(c)) {
      out.push({ name: c.name, keep: false, reason: 'expired' });
    } else if (reasons.length > 0) {
      out.push({ name: c.name, keep: true, reasons });
    } else {
      out.push({ name: c.name, keep: false, reason: 'not-selected' });
    }
  });

  const keepFailed = policy.failedSnapshots?.last ?? 1;
  failed.forEach((c, i) => {
    if (expired(c)) out.push({ name: c.name, keep: false, reason: 'expired' });
    else if (i < keepFailed) out.push({ name: c.name, keep: true, reasons: ['failed-last'] });
    else out.push({ name: c.name, keep: false, reason: 'beyond-failed-last' });
  });
  return out;
}

/**
 * The rules of successfulSnapshots that select each Snapshot (newest first input). Without any count above
 * 0, every Snapshot is selected as within the period (maxRetentionPeriod then decides).
 */
function selectSuccessful(
  policy: RetentionPolicySpec,
  successful: readonly RetentionCandidate[],
): Map<string, KeepReason[]> {
  const counts = policy.successfulSnapshots ?? {};
  const selected = new Map<string, KeepReason[]>(successful.map((c) => [c.name, []]));
  const add = (name: string, reason: KeepReason): void => {
    selected.get(name)?.push(reason);
  };
  const last = counts.last ?? 0;
  const anyRule = last > 0 || BUCKET_RULES.some((r) => (counts[r] ?? 0) > 0);
  if (!anyRule) {
    for (const c of successful) add(c.name, 'within-period');
    return selected;
  }
  successful.slice(0, last).forEach((c) => add(c.name, 'last'));
  for (const rule of BUCKET_RULES) {
    let left = counts[rule] ?? 0;
    let previous: number | undefined;
    for (const c of successful) {
      if (left <= 0) break;
      const bucket = bucketOf(rule, c.time);
      if (bucket === previous) continue;
      previous = bucket;
      left--;
      add(c.name, rule);
    }
  }
  return selected;
}

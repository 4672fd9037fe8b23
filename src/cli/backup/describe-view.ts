// What `cairn describe <backupconfiguration>` prints (pure): the configuration's phase and backends, each
// session's schedule and next run, its Repositories with their Snapshot counts and sizes, and the newest runs
// with their phase, duration and Snapshots — what a user otherwise gathers from four `kubectl get`s.
import type { KubeObject } from '../../kube/types.ts';

type Status = Record<string, unknown>;
export interface Described extends KubeObject {
  spec?: Record<string, unknown>;
  status?: Status;
}

export interface DescribeInput {
  configuration: Described;
  /** Its BackupSessions (any order). */
  sessions: readonly Described[];
  /** The Repositories of its sessions that exist. */
  repositories: readonly Described[];
  /** The Snapshots of its runs. */
  snapshots: readonly Described[];
  now: Date;
  /** How many runs to list (newest first). */
  runs?: number;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

/** `12s`, `3m`, `5h`, `2d`: how long ago `time` was. */
export function age(time: string | undefined, now: Date): string {
  const t = Date.parse(time ?? '');
  if (Number.isNaN(t)) return '-';
  const s = Math.max(0, Math.floor((now.getTime() - t) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

/** Left-aligned columns, two spaces apart; `-` for an empty cell. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const cells = [header, ...rows.map((r) => r.map((c) => (c === '' ? '-' : c)))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

interface SessionSpec {
  name?: string;
  scheduler?: { schedule?: string };
}
interface BackendSpec {
  name?: string;
  storageRef?: { name?: string; namespace?: string };
  retentionPolicy?: { name?: string; namespace?: string };
}

export function describeView(i: DescribeInput): string {
  const bc = i.configuration;
  const ns = bc.metadata?.namespace ?? '';
  const spec = bc.spec ?? {};
  const status = bc.status ?? {};
  const paused = spec.paused === true ? ' (paused)' : '';
  const out: string[] = [
    `BackupConfiguration ${ns}/${bc.metadata?.name ?? ''}: ${str(status.phase) || 'no status yet'}${paused}`,
  ];
  const notTrue = (
    (status.conditions ?? []) as { type?: string; status?: string; message?: string }[]
  ).filter((c) => c.status !== 'True');
  for (const c of notTrue) out.push(`  ${str(c.type)}: ${str(c.message)}`);

  const backendState = new Map(
    ((status.backends ?? []) as { name?: string; storage?: { phase?: string; reason?: string } }[]).map(
      (b) => [b.name ?? '', b.storage],
    ),
  );
  out.push(
    '',
    'Backends:',
    table(
      ['NAME', 'STORAGE', 'PHASE', 'RETENTION POLICY'],
      ((spec.backends ?? []) as BackendSpec[]).map((b) => [
        b.name ?? '',
        `${b.storageRef?.namespace ?? ns}/${b.storageRef?.name ?? ''}`,
        str(backendState.get(b.name ?? '')?.phase),
        b.retentionPolicy?.name ? `${b.retentionPolicy.namespace ?? ns}/${b.retentionPolicy.name}` : '',
      ]),
    ),
  );

  const next = new Map(
    ((status.sessions ?? []) as { name?: string; nextSchedule?: string }[]).map((s) => [
      s.name ?? '',
      s.nextSchedule,
    ]),
  );
  const byNewest = [...i.sessions].sort((a, b) =>
    (b.metadata?.creationTimestamp ?? '').localeCompare(a.metadata?.creationTimestamp ?? ''),
  );
  out.push(
    '',
    'Sessions:',
    table(
      ['NAME', 'SCHEDULE', 'NEXT RUN', 'LAST RUN', 'LAST PHASE'],
      ((spec.sessions ?? []) as SessionSpec[]).map((s) => {
        const last = byNewest.find((r) => str(r.spec?.session) === s.name);
        return [
          s.name ?? '',
          s.scheduler?.schedule ?? '',
          next.get(s.name ?? '') ?? '',
          last?.metadata?.name ?? '',
          str(last?.status?.phase),
        ];
      }),
    ),
  );

  out.push(
    '',
    'Repositories:',
    table(
      ['NAME', 'PHASE', 'SNAPSHOTS', 'SIZE', 'LAST BACKUP'],
      [...i.repositories]
        .sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''))
        .map((r) => [
          r.metadata?.name ?? '',
          str(r.status?.phase),
          str(r.status?.snapshotCount),
          str(r.status?.size),
          r.status?.lastBackupTime ? `${age(str(r.status.lastBackupTime), i.now)} ago` : '',
        ]),
    ),
  );

  const snapshotsOf = (run: string): Described[] =>
    i.snapshots.filter((s) => str(s.spec?.backupSession) === run);
  const runs = byNewest.slice(0, i.runs ?? 10);
  out.push(
    '',
    `Runs (newest ${runs.length} of ${i.sessions.length}):`,
    table(
      ['NAME', 'SESSION', 'PHASE', 'DURATION', 'SNAPSHOTS', 'AGE'],
      runs.map((r) => {
        const snaps = snapshotsOf(r.metadata?.name ?? '');
        const ok = snaps.filter((s) => str(s.status?.phase) === 'Succeeded').length;
        return [
          r.metadata?.name ?? '',
          str(r.spec?.session),
          str(r.status?.phase),
          str(r.status?.duration),
          snaps.length ? `${ok}/${snaps.length} Succeeded` : '',
          age(r.metadata?.creationTimestamp, i.now),
        ];
      }),
    ),
  );
  return `${out.join('\n')}\n`;
}

// Where a RestoreSession's data comes from (pure): the namespace of its Repository and Snapshot, the Snapshot
// it restores (`latest` resolved to the newest Succeeded Snapshot of the repository, and kept once chosen),
// what it still waits for, and how many components it expects.
import { LATEST_SNAPSHOT } from '../../api/kinds/restoresession.ts';
import { SnapshotPhase } from '../../api/snapshot-phase.ts';
import type { Dependency, RepositoryObj, RestoreSessionObject, RestoreStatus, SnapshotObj } from './plan.ts';

/** The namespace of the Repository and Snapshot: `dataSource.namespace`, else the session's. */
export function dataSourceNamespace(rs: RestoreSessionObject): string {
  return rs.spec?.dataSource?.namespace || (rs.metadata?.namespace ?? '');
}

/**
 * The newest Succeeded Snapshot of `repository` among `snapshots` (those of its namespace): by
 * `status.snapshotTime`, then creation time, then name, so that the choice is the same on every run.
 */
export function latestSnapshot(
  snapshots: readonly SnapshotObj[],
  repository: string,
): SnapshotObj | undefined {
  const order = (s: SnapshotObj): string =>
    `${s.status?.snapshotTime ?? ''}\u0000${s.metadata?.creationTimestamp ?? ''}\u0000${s.metadata?.name ?? ''}`;
  return snapshots
    .filter((s) => s.spec?.repository === repository && s.status?.phase === SnapshotPhase.Succeeded)
    .sort((a, b) => order(b).localeCompare(order(a)))[0];
}

/** The Snapshot name this session resolved earlier (kept once its Job exists, whatever is newer since). */
export function resolvedSnapshotName(status: RestoreStatus | undefined): string | undefined {
  return status?.dependencies?.find((d) => d.kind === 'Snapshot' && d.found)?.name;
}

export interface DataSourceInput {
  rs: RestoreSessionObject;
  /** Snapshots of the data source's namespace. */
  snapshots: readonly SnapshotObj[];
  repository: (name: string) => RepositoryObj | undefined;
  addonFound: boolean;
  /** Whether every Function the named tasks need exists (true when the Addon is missing: not known yet). */
  functionsMissing: readonly string[];
  /** Keep the Snapshot an earlier reconcile chose (its Job exists). */
  keepResolved: boolean;
}

export interface DataSource {
  /** The Snapshot restored (its name, as the Job's `${snapshot}`); undefined while not known. */
  snapshot?: SnapshotObj;
  repository?: RepositoryObj;
  dependencies: Dependency[];
  /** What the session waits for, naming the object and how it comes to exist; undefined when ready. */
  wait?: string;
  /** Why the session cannot run at all (a failed Snapshot, a Snapshot of another repository). */
  fail?: string;
}

/**
 * The Snapshot, Repository and Addon the session needs, found or not. A missing object is waited for (a
 * backup may be running, a backend sync may bring it, the Addon may be installed later); a Snapshot whose
 * backup failed, or that belongs to another repository than the one named, ends the session.
 */
export function resolveDataSource(i: DataSourceInput): DataSource {
  const ds = i.rs.spec?.dataSource ?? {};
  const ns = dataSourceNamespace(i.rs);
  const wanted = ds.snapshot ?? '';
  const addonName = i.rs.spec?.addon?.name ?? '';
  const previous = i.keepResolved ? resolvedSnapshotName(i.rs.status) : undefined;
  let snapshot: SnapshotObj | undefined;
  if (previous) snapshot = i.snapshots.find((s) => s.metadata?.name === previous);
  else if (wanted === LATEST_SNAPSHOT) snapshot = latestSnapshot(i.snapshots, ds.repository ?? '');
  else snapshot = i.snapshots.find((s) => s.metadata?.name === wanted);
  const repoName = ds.repository || snapshot?.spec?.repository || '';
  const repository = repoName ? i.repository(repoName) : undefined;
  const snapshotDep: Dependency = {
    apiGroup: 'storage.kubestash.com',
    kind: 'Snapshot',
    namespace: ns,
    name: snapshot?.metadata?.name ?? previous ?? wanted,
    found: snapshot !== undefined,
  };
  const dependencies: Dependency[] = [
    snapshotDep,
    { apiGroup: 'addons.kubestash.com', kind: 'Addon', name: addonName, found: i.addonFound },
  ];
  const out: DataSource = {
    dependencies,
    ...(snapshot ? { snapshot } : {}),
    ...(repository ? { repository } : {}),
  };
  const waits: string[] = [];
  if (!snapshot) {
    waits.push(
      wanted === LATEST_SNAPSHOT && !previous
        ? `Repository ${ns}/${repoName} has no Succeeded Snapshot yet: waiting for a backup to it to succeed (kubectl get snapshots -n ${ns})`
        : `Snapshot ${ns}/${snapshotDep.name} does not exist: waiting for it (a running backup or a backend sync creates it); correct spec.dataSource.snapshot if the name is wrong`,
    );
  } else {
    const phase = snapshot.status?.phase;
    if (phase === SnapshotPhase.Failed) {
      out.fail = `Snapshot ${ns}/${snapshotDep.name} failed (its backup did not complete): restore another Snapshot, or latest`;
    } else if (phase !== SnapshotPhase.Succeeded) {
      waits.push(
        `Snapshot ${ns}/${snapshotDep.name} is ${phase ?? 'not yet reported'}: waiting for its backup to succeed`,
      );
    }
    if (ds.repository && snapshot.spec?.repository && snapshot.spec.repository !== ds.repository) {
      out.fail = `Snapshot ${ns}/${snapshotDep.name} belongs to Repository ${snapshot.spec.repository}, not ${ds.repository} named by spec.dataSource.repository: correct one of them`;
    }
  }
  if (repoName && !repository) {
    waits.push(
      `Repository ${ns}/${repoName} does not exist: waiting for it (its BackupConfiguration or a backend sync creates it)`,
    );
  }
  if (!i.addonFound) {
    waits.push(
      `Addon ${addonName} does not exist: waiting for it to be installed (kubectl get addons lists those installed)`,
    );
  }
  for (const f of i.functionsMissing) {
    waits.push(`Function ${f} of Addon ${addonName} does not exist: waiting for it to be installed`);
  }
  if (waits.length) out.wait = waits.join('; ');
  return out;
}

/**
 * How many components the restore reports: those named in `dataSource.components`, else those the
 * Snapshot holds (`manifest` alone for a kubedump Snapshot), at least one.
 */
export function totalComponents(rs: RestoreSessionObject, snapshot: SnapshotObj | undefined): number {
  const named = rs.spec?.dataSource?.components?.length ?? 0;
  if (named > 0) return named;
  const held = Object.keys(snapshot?.status?.components ?? {}).length;
  return Math.max(1, held || snapshot?.status?.totalComponents || 1);
}

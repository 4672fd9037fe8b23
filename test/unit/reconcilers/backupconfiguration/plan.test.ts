import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Addon } from '../../../../src/api/kinds/addon.ts';
import type { BackupConfiguration } from '../../../../src/api/kinds/backupconfiguration.ts';
import type { BackupStorage } from '../../../../src/api/kinds/backupstorage.ts';
import type { FunctionObject } from '../../../../src/api/kinds/function.ts';
import type { Repository } from '../../../../src/api/kinds/repository.ts';
import type { RetentionPolicy } from '../../../../src/api/kinds/retentionpolicy.ts';
import { findCondition } from '../../../../src/api/conditions.ts';
import {
  planBackupConfiguration,
  type PlanInput,
} from '../../../../src/reconcilers/backupconfiguration/plan.ts';
import type { Lookups } from '../../../../src/reconcilers/backupconfiguration/resolve.ts';
import { initialTriggerJob } from '../../../../src/reconcilers/backupconfiguration/children.ts';

const NOW = new Date('2026-12-03T10:07:30Z');

function bc(over: Partial<BackupConfiguration['spec']> = {}, status?: BackupConfiguration['status']) {
  return {
    apiVersion: 'core.kubestash.com/v1alpha1',
    kind: 'BackupConfiguration',
    metadata: {
      name: 'cluster-resources-backup',
      namespace: 'demo',
      uid: 'bc-uid',
      generation: 2,
      resourceVersion: '7',
    },
    spec: {
      backends: [
        {
          name: 's3-backend',
          storageRef: { name: 's3-storage', namespace: 'demo' },
          retentionPolicy: { name: 'demo-retention', namespace: 'demo' },
        },
      ],
      sessions: [
        {
          name: 'frequent-backup',
          scheduler: {
            schedule: '*/5 * * * *',
            jobTemplate: { backoffLimit: 1 },
            successfulJobsHistoryLimit: 2,
            failedJobsHistoryLimit: 3,
          },
          repositories: [
            {
              name: 's3-repo',
              backend: 's3-backend',
              directory: '/cluster-manifests',
              encryptionSecret: { name: 'encrypt-secret', namespace: 'demo' },
            },
          ],
          addon: { name: 'kubedump-addon', tasks: [{ name: 'manifest-backup' }] },
        },
      ],
      ...over,
    },
    ...(status ? { status } : {}),
  } as BackupConfiguration;
}

const storage = (phase = 'Ready', namespace = 'demo'): BackupStorage =>
  ({
    metadata: { name: 's3-storage', namespace },
    spec: { usagePolicy: { allowedNamespaces: { from: 'Same' } } },
    status: { phase },
  }) as unknown as BackupStorage;
const policy = {
  metadata: { name: 'demo-retention', namespace: 'demo' },
  spec: {},
} as unknown as RetentionPolicy;
const addon = {
  metadata: { name: 'kubedump-addon' },
  spec: { backupTasks: [{ name: 'manifest-backup', function: 'kubedump-backup' }] },
} as unknown as Addon;
const fn = { metadata: { name: 'kubedump-backup' }, spec: { image: 'x' } } as unknown as FunctionObject;

function lookups(over: Partial<Lookups> = {}): Lookups {
  return {
    namespace: { name: 'demo', labels: {} },
    storage: (ns, n) => (ns === 'demo' && n === 's3-storage' ? storage() : undefined),
    retentionPolicy: (ns, n) => (ns === 'demo' && n === 'demo-retention' ? policy : undefined),
    addon: (n) => (n === 'kubedump-addon' ? addon : undefined),
    fn: (n) => (n === 'kubedump-backup' ? fn : undefined),
    repository: () => undefined,
    ...over,
  };
}

function plan(over: Partial<PlanInput> = {}) {
  return planBackupConfiguration({
    bc: bc(),
    lookups: lookups(),
    target: { found: true },
    ownedCronJobs: [],
    image: 'cairn.test/cairn',
    now: NOW,
    ...over,
  });
}

describe('BackupConfiguration plan', () => {
  test('a configuration whose backends and Addon resolve gets its Repository, a trigger CronJob and is Ready', () => {
    const p = plan();
    assert.equal(p.status.phase, 'Ready');
    assert.equal(p.repositories.length, 1);
    assert.deepEqual(p.repositories[0]?.spec, {
      storageRef: { name: 's3-storage', namespace: 'demo' },
      path: '/cluster-manifests',
      encryptionSecret: { name: 'encrypt-secret', namespace: 'demo' },
      deletionPolicy: 'Delete',
    });
    assert.equal(p.repositories[0]?.metadata?.ownerReferences, undefined);
    const s = p.schedulers[0];
    assert.ok(s);
    interface CronJobShape {
      metadata: Record<string, unknown>;
      spec: {
        schedule: string;
        suspend: boolean;
        successfulJobsHistoryLimit: number;
        failedJobsHistoryLimit: number;
        jobTemplate: {
          spec: {
            backoffLimit: number;
            template: { spec: { restartPolicy: string; serviceAccountName: string; containers: unknown } };
          };
        };
      };
    }
    const cj = s.cronJob as unknown as CronJobShape;
    assert.equal(cj.metadata.name, 'trigger-cluster-resources-backup-frequent-backup');
    assert.deepEqual(cj.metadata.labels, {
      'app.kubernetes.io/managed-by': 'kubestash.com',
      'kubestash.com/invoker-kind': 'BackupConfiguration',
      'kubestash.com/invoker-name': 'cluster-resources-backup',
      'kubestash.com/invoker-namespace': 'demo',
      'kubestash.com/session-name': 'frequent-backup',
    });
    assert.deepEqual(cj.metadata.ownerReferences, [
      {
        apiVersion: 'core.kubestash.com/v1alpha1',
        kind: 'BackupConfiguration',
        name: 'cluster-resources-backup',
        uid: 'bc-uid',
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    assert.equal(cj.spec.schedule, '*/5 * * * *');
    assert.equal(cj.spec.suspend, false);
    assert.equal(cj.spec.successfulJobsHistoryLimit, 2);
    assert.equal(cj.spec.failedJobsHistoryLimit, 3);
    assert.equal(cj.spec.jobTemplate.spec.backoffLimit, 1);
    const pod = cj.spec.jobTemplate.spec.template.spec;
    assert.equal(pod.restartPolicy, 'Never');
    assert.equal(pod.serviceAccountName, 'trigger-cluster-resources-backup-frequent-backup');
    assert.deepEqual(pod.containers, [
      {
        name: 'trigger',
        image: 'cairn.test/cairn',
        args: [
          'trigger-backup',
          '--invoker-name=cluster-resources-backup',
          '--invoker-kind=BackupConfiguration',
          '--session-name=frequent-backup',
        ],
      },
    ]);
    assert.deepEqual(
      s.rbac.map((o) => o.kind),
      ['ServiceAccount', 'Role', 'RoleBinding'],
    );
    assert.equal(p.status.sessions?.[0]?.nextSchedule, '2026-12-03T10:10:00Z');
    assert.deepEqual(p.status.dependencies, [
      { apiGroup: 'addons.kubestash.com', kind: 'Addon', name: 'kubedump-addon', found: true },
    ]);
    assert.deepEqual(p.initialTriggers, ['frequent-backup']);
    assert.deepEqual(p.problems, []);
  });

  test('the trigger Role grants only get on its own configuration and create on BackupSessions', () => {
    const role = plan().schedulers[0]?.rbac[1] as { rules: unknown };
    assert.deepEqual(role.rules, [
      {
        apiGroups: ['core.kubestash.com'],
        resources: ['backupconfigurations'],
        resourceNames: ['cluster-resources-backup'],
        verbs: ['get'],
      },
      { apiGroups: ['core.kubestash.com'], resources: ['backupsessions'], verbs: ['create'] },
    ]);
  });

  test('a paused configuration suspends its CronJob, shows no next run and triggers nothing', () => {
    const p = plan({ bc: bc({ paused: true }) });
    assert.equal((p.schedulers[0]?.cronJob.spec as { suspend: boolean }).suspend, true);
    assert.equal(p.status.sessions?.[0]?.nextSchedule, undefined);
    assert.deepEqual(p.initialTriggers, []);
  });

  test('a missing BackupStorage names the storage and the fix, writes no Repository or CronJob, and is NotReady', () => {
    const p = plan({ lookups: lookups({ storage: () => undefined }) });
    assert.equal(p.status.phase, 'NotReady');
    assert.deepEqual(p.repositories, []);
    assert.deepEqual(p.schedulers, []);
    const c = findCondition(p.status.conditions, 'BackendsReady');
    assert.equal(c?.status, 'False');
    assert.match(
      c?.message ?? '',
      /BackupStorage "demo\/s3-storage" of backend "s3-backend" does not exist: create it/,
    );
    assert.equal(p.status.backends?.[0]?.ready, false);
    const sc = findCondition(p.status.sessions?.[0]?.conditions, 'SchedulerEnsured');
    assert.equal(sc?.status, 'False');
    assert.equal(sc?.reason, 'SchedulerNotEnsured');
    assert.deepEqual(p.initialTriggers, []);
    assert.ok(p.problems.some((m) => m.includes('s3-storage')));
  });

  test('a BackupStorage that is not Ready keeps the configuration NotReady and says where to look', () => {
    const p = plan({ lookups: lookups({ storage: () => storage('NotReady') }) });
    assert.equal(p.status.phase, 'NotReady');
    assert.match(p.status.backends?.[0]?.storage?.reason ?? '', /is not Ready \(phase NotReady\)/);
  });

  test('a BackupStorage whose usage policy does not allow the namespace is refused with the fix', () => {
    const p = plan({
      bc: bc({
        backends: [
          {
            name: 's3-backend',
            storageRef: { name: 's3-storage', namespace: 'other' },
            retentionPolicy: { name: 'demo-retention' },
          },
        ],
      }),
      lookups: lookups({ storage: (ns) => (ns === 'other' ? storage('Ready', 'other') : undefined) }),
    });
    assert.match(
      p.status.backends?.[0]?.storage?.reason ?? '',
      /does not allow namespace "demo".*add "demo" to its usagePolicy/,
    );
    assert.equal(p.status.phase, 'NotReady');
  });

  test('an unknown Addon is a dependency not found, named with the fix', () => {
    const p = plan({ lookups: lookups({ addon: () => undefined }) });
    const c = findCondition(p.status.conditions, 'DependenciesFound');
    assert.equal(c?.status, 'False');
    assert.match(
      c?.message ?? '',
      /Addon "kubedump-addon" of session "frequent-backup" does not exist: install it/,
    );
    assert.equal(p.status.dependencies?.[0]?.found, false);
    assert.deepEqual(p.schedulers, []);
    assert.equal(p.repositories.length, 1, 'the Repository depends only on its backend');
  });

  test('an unknown task or a missing Function blocks the scheduler and says which', () => {
    const t = plan({
      bc: bc({
        sessions: [
          { ...bc().spec.sessions[0]!, addon: { name: 'kubedump-addon', tasks: [{ name: 'nope' }] } },
        ],
      }),
    });
    assert.match(
      findCondition(t.status.conditions, 'DependenciesFound')?.message ?? '',
      /no backup task "nope".*use one of manifest-backup/,
    );
    const f = plan({ lookups: lookups({ fn: () => undefined }) });
    assert.match(
      findCondition(f.status.conditions, 'DependenciesFound')?.message ?? '',
      /Function "kubedump-backup"/,
    );
  });

  test('an existing Repository of another path makes the configuration Invalid without touching it', () => {
    const existing = {
      metadata: { name: 's3-repo', namespace: 'demo' },
      spec: { storageRef: { name: 's3-storage', namespace: 'demo' }, path: '/elsewhere' },
    } as unknown as Repository;
    const p = plan({ lookups: lookups({ repository: () => existing }) });
    assert.equal(p.status.phase, 'Invalid');
    assert.deepEqual(p.repositories, []);
    const v = findCondition(p.status.conditions, 'ValidationPassed');
    assert.equal(v?.reason, 'ResourceValidationFailed');
    assert.match(v?.message ?? '', /path "\/elsewhere", and a path cannot change/);
  });

  test('a missing target keeps the configuration NotReady with targetFound false', () => {
    const p = plan({ target: { found: false, reason: 'Namespace "x" does not exist: create it' } });
    assert.equal(p.status.targetFound, false);
    assert.equal(p.status.phase, 'NotReady');
    assert.equal(findCondition(p.status.conditions, 'TargetFound')?.status, 'False');
  });

  test('the CronJobs of removed sessions are stale; the current ones are not', () => {
    const p = plan({
      ownedCronJobs: [
        'trigger-cluster-resources-backup-frequent-backup',
        'trigger-cluster-resources-backup-old',
      ],
    });
    assert.deepEqual(p.staleCronJobs, ['trigger-cluster-resources-backup-old']);
  });

  test('the first backup is triggered once: not again when status records it, again after a failed attempt', () => {
    const first = plan();
    const again = plan({ bc: bc({}, first.status) });
    assert.deepEqual(again.initialTriggers, []);
    assert.deepEqual(again.status, first.status, 'a second run changes nothing');
    const failed = structuredClone(first.status);
    const c = failed.sessions?.[0]?.conditions?.find((x) => x.type === 'InitialBackupTriggered');
    assert.ok(c);
    c.status = 'False';
    assert.deepEqual(plan({ bc: bc({}, failed) }).initialTriggers, ['frequent-backup']);
  });

  test('condition times record when the state flipped, not the latest run', () => {
    const first = plan();
    const later = plan({ bc: bc({}, first.status), now: new Date('2026-12-03T11:00:00Z') });
    assert.equal(
      findCondition(later.status.conditions, 'ValidationPassed')?.lastTransitionTime,
      '2026-12-03T10:07:30Z',
    );
  });

  test('a long name is fitted to 52 characters for the CronJob and its ServiceAccount', () => {
    const long = bc();
    long.metadata.name = 'a-very-long-backup-configuration-name-for-the-cluster';
    const p = plan({ bc: long });
    const name = p.schedulers[0]?.cronJob.metadata?.name ?? '';
    assert.equal(name.length <= 52, true);
    assert.equal(p.schedulers[0]?.rbac[0]?.metadata?.name, name);
  });

  test("the initial trigger Job is the CronJob's Job, named <cronjob>-initial and owned by the CronJob", () => {
    const cj = plan().schedulers[0]!.cronJob;
    const job = initialTriggerJob({ ...cj, metadata: { ...cj.metadata, uid: 'cj-uid' } });
    assert.equal(job.metadata?.name, 'trigger-cluster-resources-backup-frequent-backup-initial');
    assert.equal(job.metadata?.ownerReferences?.[0]?.uid, 'cj-uid');
    assert.deepEqual(job.spec, (cj.spec as { jobTemplate: { spec: unknown } }).jobTemplate.spec);
  });
});

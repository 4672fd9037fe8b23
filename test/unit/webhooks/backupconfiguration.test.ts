import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mutateBackupConfiguration } from '../../../src/webhooks/backupconfiguration-defaults.ts';
import {
  backupConfigurationRefs,
  validateBackupConfiguration,
} from '../../../src/webhooks/backupconfiguration-reference-rules.ts';
import { decisionMessage, type Decision } from '../../../src/webhooks/decision.ts';
import {
  all,
  applyPatch,
  backupConfiguration,
  namespace,
  object,
  policy,
  repository,
  same,
  selector,
  storage,
  type Obj,
} from './helpers.ts';

const bcNs = namespace('app');

void describe('mutateBackupConfiguration', () => {
  const mutate = (bc: Obj, storages: unknown[], policies: unknown[]): Obj =>
    applyPatch(bc, mutateBackupConfiguration({ namespace: bcNs, object: bc, storages, policies }).patch);

  void test('without backends, adds one unnamed backend on the default storage with the default policy', () => {
    const bc = backupConfiguration('app', 'bc', { backends: undefined });
    const out = mutate(
      bc,
      [storage('app', 'default-s3', { default: true, usagePolicy: same })],
      [policy('app', 'keep', { default: true })],
    );
    assert.deepEqual((out.spec as Obj).backends, [
      {
        storageRef: { name: 'default-s3', namespace: 'app' },
        retentionPolicy: { name: 'keep', namespace: 'app' },
      },
    ]);
  });

  void test('an empty backends list is filled the same way', () => {
    const bc = backupConfiguration('app', 'bc', { backends: [] });
    const out = mutate(bc, [storage('shared', 'all', { default: true, usagePolicy: all })], []);
    assert.deepEqual((out.spec as Obj).backends, [{ storageRef: { name: 'all', namespace: 'shared' } }]);
  });

  void test('fills the default policy only into backends without one', () => {
    const bc = backupConfiguration('app', 'bc', {
      backends: [
        { name: 'a', storageRef: { name: 's' } },
        { name: 'b', storageRef: { name: 's' }, retentionPolicy: { name: 'mine' } },
      ],
    });
    const out = mutate(bc, [], [policy('shared', 'p', { default: true, usagePolicy: selector('app') })]);
    assert.deepEqual((out.spec as Obj).backends, [
      { name: 'a', storageRef: { name: 's' }, retentionPolicy: { name: 'p', namespace: 'shared' } },
      { name: 'b', storageRef: { name: 's' }, retentionPolicy: { name: 'mine' } },
    ]);
  });

  void test('adds nothing when no default applies, and nothing to garbage', () => {
    const bc = backupConfiguration('app', 'bc', { backends: undefined });
    assert.deepEqual(
      mutateBackupConfiguration({
        namespace: bcNs,
        object: bc,
        storages: [storage('other', 'x', { default: true, usagePolicy: same })],
        policies: [],
      }).patch,
      [],
    );
    assert.deepEqual(
      mutateBackupConfiguration({
        namespace: bcNs,
        object: { spec: { backends: 'x' } },
        storages: [],
        policies: [],
      }).patch,
      [],
    );
  });
});

const validate = (bc: Obj, over: Partial<Parameters<typeof validateBackupConfiguration>[0]> = {}): Decision =>
  validateBackupConfiguration({
    operation: 'CREATE',
    namespace: bcNs,
    object: bc,
    storages: [storage('app', 's3', { usagePolicy: same })],
    policies: [policy('app', 'keep', { usagePolicy: same })],
    hookTemplates: [],
    repositories: [],
    ...over,
  });

void describe('validateBackupConfiguration: the rules about the object itself', () => {
  void test('allows a complete BackupConfiguration', () => {
    const d = validate(backupConfiguration('app', 'bc'));
    assert.equal(d.allowed, true, decisionMessage(d));
    assert.deepEqual(d.warnings, []);
  });

  void test('without backends, explains the missing default', () => {
    assert.match(
      decisionMessage(validate(backupConfiguration('app', 'bc', { backends: [] }))),
      /^spec\.backends: has no backend, and no default BackupStorage allows namespace "app"/m,
    );
  });

  void test('a backend without a retention policy names the field and the default', () => {
    const bc = backupConfiguration('app', 'bc', { backends: [{ name: 'main', storageRef: { name: 's3' } }] });
    assert.match(
      decisionMessage(validate(bc)),
      /^spec\.backends\[0\]\.retentionPolicy: is required, and no default RetentionPolicy allows namespace "app"/m,
    );
  });

  void test('duplicate backend, session and repository names are each named', () => {
    const session = (name: string) => ({
      name,
      scheduler: { schedule: '* * * * *', jobTemplate: {} },
      addon: { name: 'a', tasks: [{ name: 't' }] },
      repositories: [
        { name: 'r', backend: 'main', directory: 'x' },
        { name: 'r', backend: 'main', directory: 'y' },
      ],
    });
    const bc = backupConfiguration('app', 'bc', {
      backends: [
        { name: 'main', storageRef: { name: 's3' }, retentionPolicy: { name: 'keep' } },
        { name: 'main', storageRef: { name: 's3' }, retentionPolicy: { name: 'keep' } },
      ],
      sessions: [session('s'), session('s')],
    });
    const msg = decisionMessage(validate(bc));
    assert.match(msg, /^spec\.backends\[1\]\.name: "main" is also the name of spec\.backends\[0\]/m);
    assert.match(msg, /^spec\.sessions\[1\]\.name: "s" is also the name of spec\.sessions\[0\]/m);
    assert.match(
      msg,
      /^spec\.sessions\[0\]\.repositories\[1\]\.name: "r" is also the name of spec\.sessions\[0\]\.repositories\[0\]/m,
    );
  });

  void test('a session without scheduler, addon or repositories names each field', () => {
    const bc = backupConfiguration('app', 'bc', { sessions: [{ name: 's' }] });
    const msg = decisionMessage(validate(bc));
    assert.match(msg, /^spec\.sessions\[0\]\.scheduler: is required/m);
    assert.match(msg, /^spec\.sessions\[0\]\.addon: is required/m);
    assert.match(msg, /^spec\.sessions\[0\]\.repositories: has no repository/m);
    assert.match(
      decisionMessage(validate(backupConfiguration('app', 'bc', { sessions: [] }))),
      /^spec\.sessions: has no session/m,
    );
  });

  const withSession = (over: Obj) =>
    backupConfiguration('app', 'bc', {
      sessions: [
        {
          name: 'frequent',
          scheduler: { schedule: '*/5 * * * *', jobTemplate: {} },
          addon: { name: 'kubedump-addon', tasks: [{ name: 'manifest-backup' }] },
          repositories: [{ name: 'repo', backend: 'main', directory: 'cluster' }],
          ...over,
        },
      ],
    });

  void test('a schedule no CronJob accepts is refused naming the field and showing a valid one', () => {
    for (const [schedule, why] of [
      ['every five minutes', /has 5 fields/],
      ['61 * * * *', /minute field: 61 is above the maximum 59/],
      ['TZ=UTC 0 * * * *', /time zone/],
    ] as const) {
      const msg = decisionMessage(validate(withSession({ scheduler: { schedule, jobTemplate: {} } })));
      assert.match(msg, /^spec\.sessions\[0\]\.scheduler\.schedule: /m, schedule);
      assert.match(msg, why, schedule);
      assert.match(msg, /e\.g\. "\*\/5 \* \* \* \*"/, schedule);
    }
    for (const schedule of ['@daily', '0 2 * * mon-fri', '@every 6h']) {
      const d = validate(withSession({ scheduler: { schedule, jobTemplate: {} } }));
      assert.equal(d.allowed, true, decisionMessage(d));
    }
  });

  void test('a schedule the CronJob API accepts but that never runs is allowed with a warning', () => {
    const d = validate(withSession({ scheduler: { schedule: '0 0 30 2 *', jobTemplate: {} } }));
    assert.equal(d.allowed, true);
    assert.match(
      d.warnings.join('\n'),
      /^spec\.sessions\[0\]\.scheduler\.schedule: "0 0 30 2 \*" never runs/,
    );
  });

  void test('an update keeps a schedule and a directory admitted before their rules existed', () => {
    const old = withSession({
      scheduler: { schedule: '61 * * * *', jobTemplate: {} },
      repositories: [{ name: 'repo', backend: 'main', directory: 'a//b' }],
    });
    const changed = structuredClone(old);
    (changed.spec as Obj).paused = true;
    assert.equal(validate(changed, { operation: 'UPDATE', oldObject: old }).allowed, true);
    const rescheduled = structuredClone(old);
    ((rescheduled.spec as { sessions: Obj[] }).sessions[0] as Obj).scheduler = {
      schedule: '62 * * * *',
      jobTemplate: {},
    };
    assert.match(
      decisionMessage(validate(rescheduled, { operation: 'UPDATE', oldObject: old })),
      /^spec\.sessions\[0\]\.scheduler\.schedule: "62 \* \* \* \*"/m,
    );
  });

  void test('a repository naming an unknown backend lists the known ones', () => {
    const bc = backupConfiguration('app', 'bc');
    ((bc.spec as Obj).sessions as Obj[])[0]!.repositories = [{ name: 'r', backend: 'nope', directory: 'd' }];
    assert.match(
      decisionMessage(validate(bc)),
      /^spec\.sessions\[0\]\.repositories\[0\]\.backend: names backend "nope", which is not in spec\.backends; use one of "main"/m,
    );
  });

  void test('a repository without backend uses the only backend, but is ambiguous with several', () => {
    const one = backupConfiguration('app', 'bc');
    ((one.spec as Obj).sessions as Obj[])[0]!.repositories = [{ name: 'r', directory: 'd' }];
    assert.equal(validate(one).allowed, true);
    const two = backupConfiguration('app', 'bc', {
      backends: [
        { name: 'a', storageRef: { name: 's3' }, retentionPolicy: { name: 'keep' } },
        { name: 'b', storageRef: { name: 's3' }, retentionPolicy: { name: 'keep' } },
      ],
    });
    ((two.spec as Obj).sessions as Obj[])[0]!.repositories = [{ name: 'r', directory: 'd' }];
    assert.match(
      decisionMessage(validate(two)),
      /repositories\[0\]\.backend: is required when spec\.backends has more than one backend/,
    );
  });

  void test('two repositories of the BC may not share a directory of one storage; sessions may share a repository', () => {
    const base = backupConfiguration('app', 'bc');
    const s = ((base.spec as Obj).sessions as Obj[])[0]!;
    const clash = backupConfiguration('app', 'bc', {
      sessions: [
        s,
        { ...s, name: 'daily', repositories: [{ name: 'other', backend: 'main', directory: 'cluster/' }] },
      ],
    });
    assert.match(
      decisionMessage(validate(clash)),
      /^spec\.sessions\[1\]\.repositories\[0\]\.directory: "cluster\/" is also the directory of repository "repo"/m,
    );
    const shared = backupConfiguration('app', 'bc', { sessions: [s, { ...s, name: 'daily' }] });
    assert.equal(validate(shared).allowed, true);
    const moved = backupConfiguration('app', 'bc', {
      sessions: [
        s,
        { ...s, name: 'daily', repositories: [{ name: 'repo', backend: 'main', directory: 'elsewhere' }] },
      ],
    });
    assert.match(
      decisionMessage(validate(moved)),
      /^spec\.sessions\[1\]\.repositories\[0\]\.name: repository "repo" is also declared at spec\.sessions\[0\]\.repositories\[0\]/m,
    );
  });
});

void describe('validateBackupConfiguration: the rules about other objects', () => {
  void test('a storage whose usage policy forbids the namespace is rejected with the field and the fix', () => {
    const bc = backupConfiguration('prod', 'bc', {
      backends: [
        { name: 'main', storageRef: { name: 's3', namespace: 'demo' }, retentionPolicy: { name: 'keep' } },
      ],
    });
    const d = validate(bc, {
      namespace: namespace('prod'),
      storages: [storage('demo', 's3', { usagePolicy: same })],
      policies: [policy('prod', 'keep')],
    });
    assert.equal(
      decisionMessage(d),
      'spec.backends[0].storageRef: BackupStorage "demo/s3" does not allow namespace "prod" (usagePolicy.allowedNamespaces.from: Same); ' +
        'add "prod" to its usagePolicy (from: All, or from: Selector with a selector that matches namespace "prod") or use a BackupStorage in "prod"',
    );
  });

  void test('retention policies and hook templates are checked the same way', () => {
    const bc = backupConfiguration('app', 'bc', {
      backends: [
        { name: 'main', storageRef: { name: 's3' }, retentionPolicy: { name: 'p', namespace: 'shared' } },
      ],
    });
    ((bc.spec as Obj).sessions as Obj[])[0]!.hooks = {
      preBackup: [{ name: 'h', hookTemplate: { name: 't', namespace: 'shared' } }],
    };
    const msg = decisionMessage(
      validate(bc, {
        policies: [policy('shared', 'p', { usagePolicy: selector('other') })],
        hookTemplates: [object('HookTemplate', 'shared', 't', { usagePolicy: same })],
      }),
    );
    assert.match(
      msg,
      /^spec\.backends\[0\]\.retentionPolicy: RetentionPolicy "shared\/p" does not allow namespace "app"/m,
    );
    assert.match(
      msg,
      /^spec\.sessions\[0\]\.hooks\.preBackup\[0\]\.hookTemplate: HookTemplate "shared\/t" does not allow namespace "app"/m,
    );
  });

  void test('references to objects that do not exist yet are allowed with a warning', () => {
    const d = validate(backupConfiguration('app', 'bc'), { storages: [], policies: [] });
    assert.equal(d.allowed, true);
    assert.deepEqual(d.warnings, [
      'spec.backends[0].storageRef: BackupStorage "app/s3" does not exist (yet)',
      'spec.backends[0].retentionPolicy: RetentionPolicy "app/keep" does not exist (yet)',
    ]);
  });

  void test('an existing Repository with the same name must have the same target, storage and path', () => {
    const bc = backupConfiguration('app', 'bc');
    const fine = repository('app', 'repo', { name: 's3', namespace: 'app' }, 'cluster');
    assert.equal(validate(bc, { repositories: [fine] }).allowed, true);
    const other = repository('app', 'repo', { name: 'elsewhere' }, 'cluster', {
      appRef: { kind: 'Namespace', name: 'x' },
    });
    const msg = decisionMessage(validate(bc, { repositories: [other] }));
    assert.match(
      msg,
      /^spec\.sessions\[0\]\.repositories\[0\]\.name: Repository "app\/repo" already exists with a different target \(spec\.appRef\) and storage \(it uses "app\/elsewhere"\)/m,
    );
    const moved = repository('app', 'repo', { name: 's3' }, 'other-dir');
    assert.match(
      decisionMessage(validate(bc, { repositories: [moved] })),
      /different directory \(its spec\.path is "other-dir", which cannot change\)/,
    );
  });

  void test('no target matches an appRef that is absent or the na placeholder', () => {
    const bc = backupConfiguration('app', 'bc');
    const na = repository('app', 'repo', { name: 's3' }, 'cluster', {
      appRef: { apiGroup: 'na', kind: '', name: 'na' },
    });
    assert.equal(validate(bc, { repositories: [na] }).allowed, true);
    const withTarget = backupConfiguration('app', 'bc', {
      target: { apiGroup: 'apps', kind: 'Deployment', name: 'web' },
    });
    const same = repository('app', 'repo', { name: 's3' }, 'cluster', {
      appRef: { apiGroup: 'apps', kind: 'Deployment', name: 'web', namespace: 'app' },
    });
    assert.equal(validate(withTarget, { repositories: [same] }).allowed, true);
  });

  void test('another Repository on the same storage and directory is rejected', () => {
    const bc = backupConfiguration('app', 'bc');
    const d = validate(bc, {
      repositories: [repository('team', 'theirs', { name: 's3', namespace: 'app' }, '/cluster/')],
    });
    assert.match(
      decisionMessage(d),
      /^spec\.sessions\[0\]\.repositories\[0\]\.directory: Repository "team\/theirs" already uses directory "cluster" of BackupStorage "app\/s3"/m,
    );
  });
});

void test('backupConfigurationRefs resolves storages, policies and hook templates against the namespace', () => {
  const bc = backupConfiguration('app', 'bc');
  ((bc.spec as Obj).sessions as Obj[])[0]!.hooks = {
    postBackup: [{ name: 'h', hookTemplate: { name: 't' } }],
  };
  assert.deepEqual(backupConfigurationRefs(bc, 'app'), {
    storages: [{ namespace: 'app', name: 's3' }],
    policies: [{ namespace: 'app', name: 'keep' }],
    hookTemplates: [{ namespace: 'app', name: 't' }],
  });
});

// The kubedump restore run (src/tasks/kubedump/restore.ts) against a served RestoreSession, Snapshot and
// Repository, a scripted restic and a stand-in engine: what is downloaded where, what reaches the status,
// the results file and the log, and what is refused.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeClient } from '../../../../src/kube/types.ts';
import type { ObjectResult, RestoreOptions, RestoreSummary } from '../../../../src/restore/types.ts';
import { countOutcomes } from '../../../../src/restore/results.ts';
import type { LogLine } from '../../../../src/tasks/kubedump/backup.ts';
import { parseRestoreFlags, RESTORE_FLAGS } from '../../../../src/tasks/kubedump/restore-flags.ts';
import { runKubedumpRestore } from '../../../../src/tasks/kubedump/restore.ts';
import { SessionInputError } from '../../../../src/tasks/kubedump/session.ts';

const ID = '4f1c2d3e4f1c2d3e4f1c2d3e4f1c2d3e4f1c2d3e4f1c2d3e4f1c2d3e4f1c2d3e';
const PASSWORD = 'run-test-password-5e21';

// restic restore: records its arguments and prints a summary.
const FAKE = `#!/bin/sh
printf '%s\\n' "$@" > "$ARGS_FILE"
echo '{"message_type":"summary","seconds_elapsed":0,"total_files":3,"files_restored":3,"total_bytes":30,"bytes_restored":30}'
`;

let work = '';
let fake = '';
before(() => {
  work = mkdtempSync(join(tmpdir(), 'cairn-restore-run-'));
  fake = join(work, 'fake-restic');
  writeFileSync(fake, FAKE);
  chmodSync(fake, 0o755);
});
after(() => rmSync(work, { recursive: true, force: true }));

const snapshotObject = (name: string, phase: string, time: string) => ({
  metadata: { name, namespace: 'demo' },
  spec: { repository: 'repo', session: 'frequent', version: 'v1' },
  status: {
    phase,
    snapshotTime: time,
    components: {
      manifest: {
        path: 'repository/v1/frequent/manifest',
        resticStats: [{ summary: { id: ID, hostPath: '/kubestash-tmp/manifest' } }],
      },
    },
  },
});

/** A client serving the objects of one restore; records status patches. */
function cluster(o: { session?: boolean; snapshotPhase?: string; dataSourceSnapshot?: string } = {}) {
  const patches: Record<string, unknown>[] = [];
  const snapshots = [
    snapshotObject('snap-old', 'Succeeded', '2026-01-01T00:00:00Z'),
    snapshotObject('snap-new', o.snapshotPhase ?? 'Succeeded', '2026-01-02T00:00:00Z'),
  ];
  const objects: Record<string, unknown> = {
    RestoreSession:
      o.session === false
        ? undefined
        : {
            metadata: { name: 'rs', namespace: 'demo' },
            spec: {
              dataSource: { repository: 'repo', snapshot: o.dataSourceSnapshot ?? 'latest' },
              addon: { name: 'kubedump-addon', tasks: [{ name: 'manifest-restore' }] },
            },
          },
    Repository: {
      metadata: { name: 'repo', namespace: 'demo' },
      spec: { path: 'demo/bc', storageRef: { name: 'store' }, encryptionSecret: { name: 'enc' } },
    },
    BackupStorage: {
      metadata: { name: 'store', namespace: 'demo' },
      spec: { storage: { provider: 'local', local: { mountPath: '/safe/data' } } },
    },
    Secret: { data: { RESTIC_PASSWORD: Buffer.from(PASSWORD).toString('base64') } },
  };
  const byName = (kind: string, name: string): unknown =>
    kind === 'Snapshot' ? snapshots.find((s) => s.metadata.name === name) : objects[kind];
  const client = {
    find: (r: { kind: string }, name: string) => Promise.resolve(byName(r.kind, name)),
    get: (r: { kind: string }, name: string) => Promise.resolve(byName(r.kind, name)),
    listAll: () => Promise.resolve({ items: snapshots }),
    patchStatus: (
      _r: unknown,
      _name: string,
      _ns: string,
      status: { components: { manifest: Record<string, unknown> } },
    ) => {
      patches.push(status.components.manifest);
      return Promise.resolve({});
    },
  } as unknown as KubeClient;
  return { client, patches };
}

const EMPTY = Object.fromEntries(RESTORE_FLAGS.map((f) => [f.name, '']));

function request(scratch: string, extra: Record<string, string> = {}) {
  return parseRestoreFlags({
    ...EMPTY,
    namespace: 'demo',
    restoresession: 'rs',
    'scratch-dir': scratch,
    ...extra,
  });
}

/** An engine that returns `results` and records what it was asked. */
function engine(results: ObjectResult[]) {
  const calls: RestoreOptions[] = [];
  const run = (options: RestoreOptions): Promise<RestoreSummary> => {
    calls.push(options);
    return Promise.resolve({ counts: countOutcomes(results), results, passes: 1, durationMs: 5 });
  };
  return { run, calls };
}

const created = (name: string): ObjectResult => ({
  resource: 'configmaps',
  namespace: 'app',
  name,
  outcome: 'created',
});
const failed = (name: string): ObjectResult => ({
  resource: 'services',
  namespace: 'app',
  name,
  outcome: 'failed',
  reason: 'Invalid',
  message: 'spec.ports[0].nodePort: Invalid value: 99999',
});

void describe('kubedump restore run', () => {
  void test('restores the latest Succeeded Snapshot from a wiped directory and reports Succeeded with the results file', async () => {
    const scratch = join(work, 's1');
    const stale = join(scratch, 'restore', 'snap-new', 'manifest', 'stale.yaml');
    mkdirSync(join(stale, '..'), { recursive: true });
    writeFileSync(stale, 'kind: Left\n');
    const { client, patches } = cluster();
    const e = engine([created('a'), created('b')]);
    const lines: LogLine[] = [];
    const out = await runKubedumpRestore(request(scratch, { 'storage-class-mappings': 'standard=fast' }), {
      client,
      log: (l) => lines.push(l),
      engine: e.run,
      localRoots: new Map([['demo/store', join(work, 'volume')]]),
      process: { binary: fake, env: { ARGS_FILE: join(work, 'args-1') } },
    });
    assert.equal(out.ok, true);
    assert.equal(out.snapshot, 'demo/snap-new');
    assert.equal(existsSync(stale), false, 'the download directory is wiped first');
    const args = readFileSync(join(work, 'args-1'), 'utf8').split('\n');
    assert.equal(args[args.indexOf('--target') + 1], join(scratch, 'restore/snap-new/manifest'));
    assert.equal(e.calls[0]?.root, join(scratch, 'restore/snap-new/manifest/kubestash-tmp/manifest'));
    assert.deepEqual([...(e.calls[0]?.storageClassMappings ?? [])], [['standard', 'fast']]);
    assert.equal(e.calls[0]?.overrideResources, false);
    assert.deepEqual(patches[0], { phase: 'Running', duration: null, error: null, objects: null });
    assert.deepEqual(patches[1]?.objects, { created: 2, updated: 0, unchanged: 0, skipped: 0, failed: 0 });
    assert.equal(patches[1]?.phase, 'Succeeded');
    assert.equal(patches[1]?.error, null);
    assert.match(String(patches[1]?.duration), /s$/);
    const file = join(scratch, 'restore', 'results.jsonl');
    assert.deepEqual(
      readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as ObjectResult).name),
      ['a', 'b'],
    );
    assert.deepEqual(
      lines.map((l) => l.msg),
      [
        'restore started',
        'snapshot chosen',
        'download finished',
        'restore finished',
        'results written',
        'component reported',
      ],
    );
    const finished = lines.find((l) => l.msg === 'restore finished');
    assert.equal(finished?.created, 2);
    assert.equal(finished?.failed, 0);
    assert.ok(!JSON.stringify(lines).includes(PASSWORD));
  });

  void test('failed objects make the component Failed, counted, with the first three named and the rest counted', async () => {
    const { client, patches } = cluster();
    const e = engine([created('a'), failed('s1'), failed('s2'), failed('s3'), failed('s4')]);
    const out = await runKubedumpRestore(request(join(work, 's2')), {
      client,
      log: () => undefined,
      engine: e.run,
      localRoots: new Map([['demo/store', join(work, 'volume')]]),
      process: { binary: fake, env: { ARGS_FILE: join(work, 'args-2') } },
    });
    assert.equal(out.ok, false);
    const error = String(patches.at(-1)?.error);
    assert.equal(patches.at(-1)?.phase, 'Failed');
    assert.match(
      error,
      /^4 of 5 object\(s\) failed to restore \(1 created, 0 updated, 0 unchanged, 0 skipped, 4 failed\): /,
    );
    assert.match(
      error,
      /services app\/s1: Invalid: spec\.ports\[0\]\.nodePort: Invalid value: 99999; services app\/s2/,
    );
    assert.match(error, /; and 1 more; .*results\.jsonl lists every object$/);
  });

  void test('a Snapshot that is not Succeeded is refused with the fix, and nothing is restored', async () => {
    const { client, patches } = cluster({ snapshotPhase: 'Failed' });
    const e = engine([]);
    const out = await runKubedumpRestore(request(join(work, 's3'), { snapshot: 'snap-new' }), {
      client,
      log: () => undefined,
      engine: e.run,
      process: { binary: fake, env: { ARGS_FILE: join(work, 'args-3') } },
    });
    assert.equal(out.ok, false);
    assert.equal(e.calls.length, 0);
    assert.equal(patches.at(-1)?.phase, 'Failed');
    assert.match(
      String(patches.at(-1)?.error),
      /^RestoreSession demo\/rs: download Snapshot demo\/snap-new failed: Snapshot demo\/snap-new is in phase Failed, not Succeeded.*pick another Snapshot/,
    );
  });

  void test('a spec.dataSource.snapshot that is not an object name is refused before any directory is touched', async () => {
    const { client, patches } = cluster({ dataSourceSnapshot: '../../escape' });
    const scratch = join(work, 's5');
    const outside = join(work, 'keep.txt');
    writeFileSync(outside, 'kept\n');
    const out = await runKubedumpRestore(request(scratch), {
      client,
      log: () => undefined,
      engine: engine([]).run,
    });
    assert.equal(out.ok, false);
    assert.ok(existsSync(outside));
    assert.match(
      String(patches.at(-1)?.error),
      /spec\.dataSource\.snapshot "\.\.\/\.\.\/escape" is not a Snapshot name/,
    );
  });

  void test('a RestoreSession that does not exist is refused before anything is written', async () => {
    const { client, patches } = cluster({ session: false });
    await assert.rejects(
      runKubedumpRestore(request(join(work, 's4')), { client, log: () => undefined, engine: engine([]).run }),
      (err: unknown) =>
        err instanceof SessionInputError && /RestoreSession demo\/rs not found/.test(err.message),
    );
    assert.deepEqual(patches, []);
  });
});

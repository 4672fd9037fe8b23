// Downloading a Snapshot (src/restore/download.ts): what is planned from the Snapshot object, which restic
// command runs for each component and where its files land, and the refusals that name the fix. restic is a
// script here that records its arguments and prints restore lines as restic does.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeApiError } from '../../../../src/kube/errors.ts';
import type { KubeClient } from '../../../../src/kube/types.ts';
import {
  DownloadError,
  downloadSnapshot,
  latestSnapshot,
  newestSucceeded,
  planDownload,
  type DownloadProgress,
  type SnapshotLike,
} from '../../../../src/restore/download.ts';

const ID = '4f1c2d3e4f1c2d3e4f1c2d3e4f1c2d3e4f1c2d3e4f1c2d3e4f1c2d3e4f1c2d3e';
const ID2 = 'aa11bb22cc33dd44ee55ff66aa11bb22cc33dd44ee55ff66aa11bb22cc33dd44';
const PASSWORD = 'dl-test-password-83fa';

function snapshot(over: { phase?: string; components?: Record<string, unknown> } = {}): SnapshotLike {
  return {
    metadata: { name: 'repo-bc-frequent-1701', namespace: 'demo' },
    spec: { repository: 'repo', session: 'frequent', version: 'v1' },
    status: {
      phase: 'phase' in over ? over.phase : 'Succeeded',
      components: over.components ?? {
        manifest: {
          path: 'repository/v1/frequent/manifest',
          phase: 'Succeeded',
          resticStats: [{ summary: { id: ID, hostPath: '/kubestash-tmp/manifest', size: '1 KiB' } }],
        },
      },
    },
  };
}

void describe('planning a download from a Snapshot', () => {
  void test('the dump tree of the manifest component lands at <target>/manifest/<hostPath>', () => {
    const plan = planDownload(snapshot(), { target: '/scratch/restore/s1' });
    assert.deepEqual(plan, {
      namespace: 'demo',
      snapshot: 'repo-bc-frequent-1701',
      repository: 'repo',
      components: [
        {
          component: 'manifest',
          path: 'repository/v1/frequent/manifest',
          directory: '/scratch/restore/s1/manifest',
          trees: [
            {
              id: ID,
              hostPath: '/kubestash-tmp/manifest',
              root: '/scratch/restore/s1/manifest/kubestash-tmp/manifest',
            },
          ],
        },
      ],
    });
  });

  void test('by default every component with restic data is downloaded, and flat 2023 entries are read too', () => {
    const plan = planDownload(
      snapshot({
        components: {
          manifest: { resticStats: [{ summary: { id: ID, hostPath: '/kubestash-tmp/manifest' } }] },
          dump: { resticStats: [{ id: ID2, hostPath: '/tmp/dump' }] },
          walg: { phase: 'Succeeded' },
        },
      }),
      { target: '/t' },
    );
    assert.deepEqual(
      plan.components.map((c) => [c.component, c.path, c.trees[0]?.root]),
      [
        ['dump', 'repository/v1/frequent/dump', '/t/dump/tmp/dump'],
        ['manifest', 'repository/v1/frequent/manifest', '/t/manifest/kubestash-tmp/manifest'],
      ],
    );
  });

  void test('a Snapshot that is not Succeeded is refused, naming its phase and the fix', () => {
    for (const phase of ['Failed', 'Running', undefined]) {
      assert.throws(
        () => planDownload(snapshot({ phase }), { target: '/t' }),
        (err: unknown) =>
          err instanceof DownloadError &&
          /Snapshot demo\/repo-bc-frequent-1701 is .*not Succeeded/.test(err.message) &&
          /pick another Snapshot/.test(err.message),
      );
    }
  });

  void test('a requested component without a restic snapshot id is refused, naming the field', () => {
    const s = snapshot({ components: { manifest: { phase: 'Succeeded', resticStats: [] } } });
    assert.throws(
      () => planDownload(s, { target: '/t', components: ['manifest'] }),
      /component manifest has no restic snapshot id \(status\.components\.manifest\.resticStats\[\]\.summary\.id\).*pick another Snapshot/,
    );
  });

  void test('a component the Snapshot does not hold is refused, listing those it holds', () => {
    assert.throws(
      () => planDownload(snapshot(), { target: '/t', components: ['volume'] }),
      /has no component "volume"; it has manifest/,
    );
  });

  void test('a Snapshot naming no Repository is refused', () => {
    const s = snapshot();
    delete s.spec?.repository;
    assert.throws(() => planDownload(s, { target: '/t' }), /names no Repository \(spec\.repository\)/);
  });
});

void describe('latest: the newest Succeeded Snapshot of a Repository', () => {
  const s = (name: string, repository: string, phase: string, time?: string): SnapshotLike => ({
    metadata: { name, namespace: 'demo', creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: { repository },
    status: { phase, ...(time ? { snapshotTime: time } : {}) },
  });

  void test('is chosen by snapshot time among the Succeeded Snapshots of that Repository only', () => {
    const items = [
      s('a', 'repo', 'Succeeded', '2026-01-02T00:00:00Z'),
      s('b', 'repo', 'Succeeded', '2026-01-03T00:00:00Z'),
      s('c', 'repo', 'Failed', '2026-01-04T00:00:00Z'),
      s('d', 'other', 'Succeeded', '2026-01-05T00:00:00Z'),
    ];
    assert.equal(newestSucceeded(items, 'repo'), 'b');
    assert.equal(newestSucceeded(items, 'none'), undefined);
  });

  void test('a tie in snapshot time is broken by creation time, then by name', () => {
    const at = '2026-01-02T00:00:00Z';
    const tied = [
      s('a', 'repo', 'Succeeded', at),
      s('c', 'repo', 'Succeeded', at),
      s('b', 'repo', 'Succeeded', at),
    ];
    assert.equal(newestSucceeded(tied, 'repo'), 'c');
    const later = {
      ...s('a', 'repo', 'Succeeded', at),
      metadata: { name: 'a', creationTimestamp: '2026-01-03T00:00:00Z' },
    };
    assert.equal(newestSucceeded([...tied, later], 'repo'), 'a');
  });

  void test('a Repository without a Succeeded Snapshot is an error that says so', async () => {
    const client = {
      listAll: () => Promise.resolve({ items: [s('c', 'repo', 'Failed')] }),
    } as unknown as KubeClient;
    await assert.rejects(
      latestSnapshot(client, 'demo', 'repo'),
      /no Succeeded Snapshot, so "latest" names none/,
    );
  });
});

// A restic that writes its arguments to $ARGS_FILE and prints a restore status and summary (mode ok), or
// fails with the password in its message (mode leak).
const FAKE = `#!/bin/sh
printf '%s\\n' "$@" >> "$ARGS_FILE"
printf -- '--\\n' >> "$ARGS_FILE"
case "$FAKE_MODE" in
  ok)
    echo '{"message_type":"status","seconds_elapsed":1,"percent_done":0.5,"total_files":2,"files_restored":1,"total_bytes":20,"bytes_restored":10}'
    echo '{"message_type":"summary","seconds_elapsed":1,"total_files":2,"files_restored":2,"total_bytes":20,"bytes_restored":20}' ;;
  leak)
    echo "{\\"message_type\\":\\"exit_error\\",\\"code\\":1,\\"message\\":\\"Fatal: cannot open with $RESTIC_PASSWORD\\"}" >&2
    exit 1 ;;
esac
`;

let work = '';
let fake = '';
before(() => {
  work = mkdtempSync(join(tmpdir(), 'cairn-download-test-'));
  fake = join(work, 'fake-restic');
  writeFileSync(fake, FAKE);
  chmodSync(fake, 0o755);
});
after(() => rmSync(work, { recursive: true, force: true }));

/** A client serving one Snapshot, its Repository, a local BackupStorage and the encryption Secret. */
function cluster(snap: SnapshotLike | undefined): KubeClient {
  const objects: Record<string, unknown> = {
    Repository: {
      metadata: { name: 'repo', namespace: 'demo' },
      spec: { path: 'demo/bc', storageRef: { name: 'store' }, encryptionSecret: { name: 'enc' } },
    },
    BackupStorage: {
      metadata: { name: 'store', namespace: 'demo' },
      spec: { storage: { provider: 'local', local: { mountPath: '/safe/data' } } },
    },
    Secret: {
      metadata: { name: 'enc', namespace: 'demo' },
      data: { RESTIC_PASSWORD: Buffer.from(PASSWORD).toString('base64') },
    },
  };
  return {
    find: (r: { kind: string }) => Promise.resolve(r.kind === 'Snapshot' ? snap : objects[r.kind]),
    get: (r: { kind: string }) => Promise.resolve(objects[r.kind]),
  } as unknown as KubeClient;
}

void describe('downloading a Snapshot', () => {
  void test('runs restic restore of the recorded id into <target>/<component> of the local root, reporting progress', async () => {
    const args = join(work, 'args-ok');
    const progress: DownloadProgress[] = [];
    const result = await downloadSnapshot({
      client: cluster(snapshot()),
      namespace: 'demo',
      snapshot: 'repo-bc-frequent-1701',
      target: join(work, 'out'),
      localRoot: join(work, 'volume'),
      include: ['/kubestash-tmp/manifest/configmaps'],
      process: { binary: fake, env: { ARGS_FILE: args, FAKE_MODE: 'ok' } },
      onProgress: (p) => progress.push(p),
    });
    const argv = readFileSync(args, 'utf8').split('\n');
    assert.deepEqual(argv.slice(0, 3), [
      'restore',
      '--repo',
      join(work, 'volume', 'demo/bc/repository/v1/frequent/manifest'),
    ]);
    const dir = join(work, 'out', 'manifest');
    assert.deepEqual(argv.slice(argv.indexOf('--target'), argv.indexOf('--') + 2), [
      '--target',
      dir,
      '--include',
      '/kubestash-tmp/manifest/configmaps',
      '--',
      ID,
    ]);
    assert.ok(!argv.includes(PASSWORD));
    assert.equal(result.components[0]?.trees[0]?.root, join(dir, 'kubestash-tmp/manifest'));
    assert.equal(result.components[0]?.restic[0]?.filesRestored, 2);
    assert.deepEqual(
      progress.map((p) => [p.component, p.status.filesRestored, p.status.totalFiles]),
      [['manifest', 1, 2]],
    );
  });

  void test('a restic failure is a DownloadError naming the Snapshot and the step, with the password redacted', async () => {
    await assert.rejects(
      downloadSnapshot({
        client: cluster(snapshot()),
        namespace: 'demo',
        snapshot: 'repo-bc-frequent-1701',
        target: join(work, 'out-leak'),
        localRoot: join(work, 'volume'),
        process: { binary: fake, env: { ARGS_FILE: join(work, 'args-leak'), FAKE_MODE: 'leak' } },
      }),
      (err: unknown) =>
        err instanceof DownloadError &&
        /^Snapshot demo\/repo-bc-frequent-1701: restic restore of 4f1c2d3e\w+ from repository\/v1\/frequent\/manifest/.test(
          err.message,
        ) &&
        !err.message.includes(PASSWORD),
    );
  });

  void test('a missing Snapshot and a forbidden read say what to do', async () => {
    const base = { namespace: 'demo', snapshot: 'gone', target: join(work, 'x') };
    await assert.rejects(
      downloadSnapshot({ ...base, client: cluster(undefined) }),
      /Snapshot demo\/gone not found: kubectl get snapshots -n demo/,
    );
    const forbidden = {
      find: () => Promise.reject(new KubeApiError('forbidden', 403)),
    } as unknown as KubeClient;
    await assert.rejects(
      downloadSnapshot({ ...base, client: forbidden }),
      /may not get Snapshot demo\/gone: grant get on snapshots\.storage\.kubestash\.com/,
    );
  });
});

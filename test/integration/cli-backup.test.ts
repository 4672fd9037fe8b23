// `cairn trigger|pause|resume` as a user runs them: bin/cairn as a subprocess against the dev cluster.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KUBESTASH } from '../../src/api/resource-type.ts';
import { projectRoot } from '../../src/devcluster/toolchain.ts';
import type { KubeObject } from '../../src/kube/types.ts';
import {
  applyAll,
  backupConfiguration,
  retentionPolicy,
  secret,
  type Obj,
} from '../harness/backup-manifests.ts';
import { clusterTest } from '../harness/cluster.ts';

const run = promisify(execFile);

/** bin/cairn with `args`; resolves with its exit code and output (never rejects on a non-zero exit). */
async function cairn(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, KUBECONFIG: process.env.CAIRN_TEST_KUBECONFIG ?? '' };
  try {
    const r = await run(join(projectRoot, 'bin/cairn'), args, { env });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

clusterTest(
  'cairn pause, resume and trigger act on a BackupConfiguration: trigger creates one run per selected session with no retries, and refuses a paused configuration or an unknown session by name',
  async ({ client, namespace }) => {
    // A configuration whose storage does not exist stays NotReady, so the operator starts no run of its own.
    const [resource, bc] = backupConfiguration({
      namespace,
      name: 'nightly',
      target: namespace,
      backends: { main: 'missing-storage' },
      retentionPolicy: 'keep',
      repositories: { manifests: 'main' },
      encryptionSecret: 'enc',
      session: { name: 'hourly', retryConfig: { maxRetry: 3 } },
    });
    const spec = bc.spec as { sessions: { name: string }[]; paused?: boolean };
    spec.sessions.push({ ...spec.sessions[0], name: 'daily' });
    spec.paused = true;
    await applyAll(client, [
      secret(namespace, 'enc', { RESTIC_PASSWORD: 'cli-backup-pw' }),
      retentionPolicy(namespace, 'keep', { successfulSnapshots: { last: 3 } }),
      [resource, bc],
    ]);
    const paused = async (): Promise<boolean | undefined> =>
      (await client.get<Obj>(KUBESTASH.backupConfigurations, 'nightly', namespace)).spec?.paused as
        boolean | undefined;

    const refused = await cairn(['trigger', 'nightly', '-n', namespace]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /is paused.*cairn resume nightly/);

    const resumed = await cairn(['resume', 'nightly', '-n', namespace]);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal(resumed.stdout.trim(), 'backupconfiguration/nightly resumed');
    assert.equal(await paused(), false);

    const one = await cairn(['trigger', 'nightly', '-n', namespace, '--sessions', 'daily']);
    assert.equal(one.code, 0, one.stderr);
    const name = /^backupsession\/(\S+) created \(session daily\)$/m.exec(one.stdout)?.[1];
    assert.ok(name, one.stdout);
    const run1 = await client.get<Obj & { spec?: { session?: string; retryLeft?: number } }>(
      KUBESTASH.backupSessions,
      name,
      namespace,
    );
    assert.equal(run1.spec?.session, 'daily');
    assert.equal(run1.spec?.retryLeft, 0, 'a run asked for by hand is not retried');
    assert.equal((run1.metadata?.ownerReferences ?? [])[0]?.name, 'nightly');

    const unknown = await cairn(['trigger', 'nightly', '-n', namespace, '--sessions', 'weekly']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /"weekly".*use "hourly", "daily"/);
    const sessions = (await client.list<KubeObject>(KUBESTASH.backupSessions, { namespace })).items;
    assert.equal(sessions.length, 1, 'a refused trigger creates nothing');

    const again = await cairn(['pause', 'nightly', '-n', namespace]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(await paused(), true);

    const missing = await cairn(['pause', 'nope', '-n', namespace]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /BackupConfiguration ".*\/nope" not found/);
  },
);

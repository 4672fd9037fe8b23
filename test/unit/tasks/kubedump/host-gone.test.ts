import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeClient } from '../../../../src/kube/types.ts';
import { hostGone, podGone, podNameOfJob, type JobLike } from '../../../../src/tasks/kubedump/host-gone.ts';

const BACKUP_LABELS = {
  'app.kubernetes.io/managed-by': 'kubestash.com',
  'app.kubernetes.io/component': 'kubestash-backup',
};
const job = (name: string, created: string, labels: Record<string, string> = BACKUP_LABELS): JobLike => ({
  metadata: { name, creationTimestamp: created, labels },
});
const LONG_JOB = 'nightly-manifests-configuration-frequent-session-1764763200'; // 59 characters

void describe('whether the pod that wrote a lock is gone', () => {
  void test('pod names the Job controller gives, the generateName cut at 58 characters', () => {
    const vectors: [string, string, boolean][] = [
      ['bc-daily-1764763200-x7k2p', 'bc-daily-1764763200', true],
      ['bc-daily-1764763200-x7k2', 'bc-daily-1764763200', false], // suffix too short
      ['bc-daily-1764763200-x7k2pq', 'bc-daily-1764763200', false],
      ['bc-daily-1764763200-X7K2P', 'bc-daily-1764763200', false],
      ['bc-daily-17647632009-x7k2p', 'bc-daily-1764763200', false], // another Job's
      ['bc-daily-1764763200-x7k2p', 'bc-daily', false],
      ['-x7k2p', '', false],
      [`${LONG_JOB.slice(0, 58)}abcde`, LONG_JOB, true],
      [`${LONG_JOB}-abcde`, LONG_JOB, false], // longer than a generated name can be
      [`${'a'.repeat(57)}-abcde`, 'a'.repeat(57), true], // exactly 58 with its dash
    ];
    for (const [host, jobName, want] of vectors)
      assert.equal(podNameOfJob(host, jobName), want, `${host} of ${jobName}`);
  });

  void test('gone only with evidence: an ended pod, or a deleted pod of a backup Job created before the lock', () => {
    const created = '2026-12-03T11:00:00Z';
    const after = '2026-12-03T11:00:30Z';
    const host = 'bc-daily-1764763200-x7k2p';
    const jobs = [job('bc-daily-1764763200', created)];
    const vectors: [string, Parameters<typeof hostGone>[0], boolean][] = [
      ['pod Failed', { host, lockTime: after, pod: { status: { phase: 'Failed' } }, jobs: [] }, true],
      ['pod Succeeded', { host, lockTime: after, pod: { status: { phase: 'Succeeded' } }, jobs: [] }, true],
      ['pod Running', { host, lockTime: after, pod: { status: { phase: 'Running' } }, jobs }, false],
      ['pod without status', { host, lockTime: after, pod: {}, jobs }, false],
      ['deleted pod of a backup Job', { host, lockTime: after, pod: undefined, jobs }, true],
      [
        'lock within the clock skew before the Job',
        { host, lockTime: '2026-12-03T10:59:30Z', pod: undefined, jobs },
        true,
      ],
      [
        'lock written long before the Job (another cluster on the bucket)',
        { host, lockTime: '2026-12-03T10:50:00Z', pod: undefined, jobs },
        false,
      ],
      ['unreadable lock time', { host, lockTime: 'yesterday', pod: undefined, jobs }, false],
      [
        'no pod and no Job of that name',
        { host: 'some-host-abcde', lockTime: after, pod: undefined, jobs },
        false,
      ],
      ['a host that is no pod name at all', { host: 'laptop', lockTime: after, pod: undefined, jobs }, false],
      [
        'a Job without the backup labels',
        { host, lockTime: after, pod: undefined, jobs: [job('bc-daily-1764763200', created, { app: 'x' })] },
        false,
      ],
      [
        'a Job of another component',
        {
          host,
          lockTime: after,
          pod: undefined,
          jobs: [
            job('bc-daily-1764763200', created, {
              ...BACKUP_LABELS,
              'app.kubernetes.io/component': 'kubestash-restore',
            }),
          ],
        },
        false,
      ],
      [
        'a Job without a creation time',
        {
          host,
          lockTime: after,
          pod: undefined,
          jobs: [{ metadata: { name: 'bc-daily-1764763200', labels: BACKUP_LABELS } }],
        },
        false,
      ],
    ];
    for (const [what, evidence, want] of vectors) assert.equal(hostGone(evidence), want, what);
  });

  void test('the API is asked for the pod first, for the backup Jobs only when there is no pod, both by LIST, and a refused read is no evidence', async () => {
    const calls: string[] = [];
    const client = (pod: unknown, jobs: unknown[] | Error): KubeClient =>
      ({
        listAll: (
          r: { plural: string },
          o: { namespace: string; labelSelector?: string; fieldSelector?: string },
        ) => {
          calls.push(`list ${r.plural} ${o.namespace} ${o.fieldSelector ?? o.labelSelector ?? ''}`);
          if (r.plural === 'pods') return Promise.resolve({ items: pod ? [pod] : [] });
          return jobs instanceof Error ? Promise.reject(jobs) : Promise.resolve({ items: jobs });
        },
      }) as unknown as KubeClient;
    const host = 'bc-daily-1764763200-x7k2p';
    const lockTime = '2026-12-03T11:00:30Z';
    const jobs = [job('bc-daily-1764763200', '2026-12-03T11:00:00Z')];

    assert.equal(await podGone(client({ status: { phase: 'Failed' } }, jobs), 'demo', host, lockTime), true);
    assert.deepEqual(calls.splice(0), [`list pods demo metadata.name=${host}`]);
    assert.equal(
      await podGone(client({ status: { phase: 'Running' } }, jobs), 'demo', host, lockTime),
      false,
    );
    assert.deepEqual(calls.splice(0), [`list pods demo metadata.name=${host}`]);

    assert.equal(await podGone(client(undefined, jobs), 'demo', host, lockTime), true);
    assert.deepEqual(calls.splice(0), [
      `list pods demo metadata.name=${host}`,
      'list jobs demo app.kubernetes.io/component=kubestash-backup',
    ]);

    const forbidden = Object.assign(new Error('jobs is forbidden'), { statusCode: 403 });
    assert.equal(await podGone(client(undefined, forbidden), 'demo', host, lockTime), false);
    calls.splice(0);
    assert.equal(await podGone(client(undefined, jobs), 'demo', 'My_Laptop', lockTime), false);
    assert.deepEqual(calls, [], 'no lookup of a name no pod can have');
  });
});

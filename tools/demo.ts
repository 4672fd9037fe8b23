// `make demo`: start the dev cluster with its pod runner, run a CronJob's Job whose pod runs a Cairn
// command, show what happened, and stop everything. Later this grows into backup → verify → restore.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { K8S } from '../src/api/resource-type.ts';
import { startDevEnvironment } from '../src/devcluster/environment.ts';
import { DEFAULT_IMAGE } from '../src/devcluster/podrunner/command.ts';
import { waitFor } from '../src/devcluster/probe.ts';
import { containerLog } from '../src/cli/devcluster.ts';

const say = (m: string): void => void process.stdout.write(`demo: ${m}\n`);
const dir = mkdtempSync(join(tmpdir(), 'cairn-demo-'));
const started = Date.now();
const env = await startDevEnvironment({ dir, images: [DEFAULT_IMAGE] });
try {
  say(`dev cluster up in ${((Date.now() - started) / 1000).toFixed(1)} s at ${env.cluster.info.server}`);
  const client = env.client;
  const namespace = 'demo';
  await client.create(K8S.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  const jobTemplate = {
    spec: {
      backoffLimit: 0,
      template: {
        spec: {
          restartPolicy: 'Never',
          containers: [{ name: 'cairn', image: `${DEFAULT_IMAGE}:latest`, args: ['version'] }],
        },
      },
    },
  };
  await client.create(K8S.cronJobs, {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'hourly-version', namespace },
    spec: { schedule: '0 * * * *', jobTemplate },
  });
  say('created CronJob demo/hourly-version (runs `cairn version` hourly); triggering a Job from it now');
  await client.create(K8S.jobs, {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: 'hourly-version-manual',
      namespace,
      annotations: { 'cronjob.kubernetes.io/instantiate': 'manual' },
    },
    spec: jobTemplate.spec,
  });
  const condition = await waitFor(
    async () => {
      const j = await client.get<V1Job>(K8S.jobs, 'hourly-version-manual', namespace);
      return j.status?.conditions?.find(
        (c) => c.status === 'True' && (c.type === 'Complete' || c.type === 'Failed'),
      );
    },
    { what: 'the Job to finish', timeoutMs: 60_000 },
  );
  const pods = await client.list<V1Pod>(K8S.pods, {
    namespace,
    labelSelector: 'job-name=hourly-version-manual',
  });
  const pod = pods.items[0];
  const term = pod?.status?.containerStatuses?.[0]?.state?.terminated;
  say(
    `Job ${condition.type}; pod ${pod?.metadata?.name} ran on node ${pod?.spec?.nodeName}, exit code ${term?.exitCode}`,
  );
  say(
    `container output: ${readFileSync(containerLog(dir, namespace, pod?.metadata?.name ?? '', 'cairn'), 'utf8').trim()}`,
  );
  if (condition.type !== 'Complete') process.exitCode = 1;
} finally {
  await env.stop();
  rmSync(dir, { recursive: true, force: true });
  say('stopped the dev cluster; nothing is left running');
}

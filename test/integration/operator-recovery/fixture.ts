// What the operator recovery tests share. They stop and start the operator, so they cannot share the suite's
// cluster, whose operator runs in the global setup's process and reconciles every namespace: each test file
// starts a dev environment of its own without an operator (etcd, API server, controller manager, pod runner,
// CRDs, catalog and RBAC of deploy/) and runs Cairn's operator as its admin, with leader election on a short
// Lease and its webhooks installed by URL: as `cairn operator` processes that are killed (SIGKILL, a crash)
// or stopped (SIGTERM), or in the test's process where the test needs to see that it is the same operator.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, type TestContext } from 'node:test';
import { K8S } from '../../../src/api/resource-type.ts';
import { createFileLog } from '../../../src/common/log.ts';
import { startDevEnvironment, type DevEnvironment } from '../../../src/devcluster/environment.ts';
import { applyAll, manifests } from '../../../src/devcluster/manifests.ts';
import { freePort } from '../../../src/devcluster/ports.ts';
import { probe, waitFor } from '../../../src/devcluster/probe.ts';
import { startProcess, type ManagedProcess } from '../../../src/devcluster/processes.ts';
import { projectRoot } from '../../../src/devcluster/toolchain.ts';
import { kubeClient } from '../../../src/kube/connect.ts';
import type { KubeClient, KubeObject } from '../../../src/kube/types.ts';
import { startOperator, type Operator } from '../../../src/operator/operator.ts';
import { servingNames } from '../../../src/operator/settings.ts';
import {
  MUTATING_CONFIGURATION,
  VALIDATING_CONFIGURATION,
  webhookConfigurations,
} from '../../../src/webhooks/configurations.ts';
import { DEPLOY_NAMESPACE, DEPLOY_SERVICE } from '../../../src/webhooks/deploy-manifest.ts';
import { failureReport } from '../../harness/cluster.ts';
import { TEST_IMAGE } from '../../harness/global.ts';

let env: DevEnvironment | undefined;
/** The test file's temp directory (the environment, operator logs); set once its environment has started. */
export let dir = '';
/** The webhook port every operator of this file serves on, so the installed configurations stay right. */
let webhookPort = 0;
let starts = 0;
export const TIMEOUT = 600_000;

/**
 * Starts the test file's own dev environment before its tests (with the deploy/ Namespace and RBAC and the
 * webhook configurations pointing at this file's webhook port) and stops it after them.
 */
export function useOperatorEnvironment(): void {
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-operator-recovery-'));
    env = await startDevEnvironment({ dir, images: [TEST_IMAGE], operator: false });
    const deploy = join(projectRoot, 'deploy');
    // The backup Jobs' identity binds the ClusterRole of deploy/rbac; the operator's namespace holds its Lease.
    await applyAll(env.client, [
      ...manifests(join(deploy, 'operator')).filter((x) => x.kind === 'Namespace'),
      ...manifests(join(deploy, 'rbac')),
    ]);
    webhookPort = await freePort();
    await applyAll(
      env.client,
      webhookConfigurations({ url: `https://127.0.0.1:${webhookPort}` }) as unknown as KubeObject[],
    );
  });

  after(async () => {
    await env?.stop();
    if (dir && !process.exitCode && !process.env.CAIRN_TEST_KEEP)
      rmSync(dir, { recursive: true, force: true });
  });
}

/** Starts an operator against `kubeconfig` (default the environment's API server) and waits until ready. */
export async function startTestOperator(kubeconfig?: string): Promise<Operator> {
  const n = ++starts;
  const file = createFileLog(join(dir, 'logs', `operator-${n}.log`));
  const operator = await startOperator({
    client: kubeClient({ kubeconfig: kubeconfig ?? env?.cluster.info.kubeconfig ?? '' }),
    log: file.log,
    webhookListen: { host: '127.0.0.1', port: webhookPort },
    probeListen: { host: '127.0.0.1', port: 0 },
    certs: {
      secret: { namespace: DEPLOY_NAMESPACE, name: 'cairn-webhook-cert' },
      names: servingNames({ namespace: DEPLOY_NAMESPACE, name: DEPLOY_SERVICE }),
      caValidityMs: 24 * 3600_000,
      servingValidityMs: 24 * 3600_000,
    },
    configurations: { mutating: MUTATING_CONFIGURATION, validating: VALIDATING_CONFIGURATION },
    // A new replica each time, as a restarted pod is: it must take the Lease its predecessor released.
    leaderElection: {
      namespace: DEPLOY_NAMESPACE,
      identity: `operator-${n}`,
      leaseDurationMs: 3000,
      renewDeadlineMs: 2000,
      retryPeriodMs: 250,
    },
    image: TEST_IMAGE,
    signal: AbortSignal.timeout(60_000),
  });
  const stop = operator.stop.bind(operator);
  operator.stop = async () => {
    await stop();
    file.close();
  };
  await waitFor(() => (operator.notReadyReason() === undefined && operator.leading() ? true : undefined), {
    what: `operator ${n} ready and leading`,
    timeoutMs: 30_000,
  });
  return operator;
}

const cliMain = join(projectRoot, 'src', 'cli', 'main.ts');

/** The leader's identity in the operator's Lease, if any. */
async function leaseHolder(): Promise<string | undefined> {
  const lease = await env!.client.find<{ spec?: { holderIdentity?: string } }>(
    K8S.leases,
    'cairn-operator',
    DEPLOY_NAMESPACE,
  );
  return lease?.spec?.holderIdentity;
}

/**
 * Starts `cairn operator` as a process of its own, named in the Lease as a pod is (POD_NAME). With `ready`,
 * resolves once it admits (/readyz) and holds the Lease; otherwise at once.
 */
export async function startOperatorProcess(
  ready = true,
): Promise<{ identity: string; proc: ManagedProcess }> {
  const identity = `operator-${++starts}`;
  const probePort = await freePort();
  const proc = startProcess({
    name: identity,
    command: process.execPath,
    args: [
      '--disable-warning=ExperimentalWarning',
      cliMain,
      'operator',
      `--kubeconfig=${env!.cluster.info.kubeconfig}`,
      `--webhook-bind-address=127.0.0.1:${webhookPort}`,
      `--probe-bind-address=127.0.0.1:${probePort}`,
      `--cert-secret-namespace=${DEPLOY_NAMESPACE}`,
      '--ca-validity=24h',
      '--cert-validity=24h',
      '--lease-duration=3s',
      '--renew-deadline=2s',
      '--retry-period=250ms',
      `--image=${TEST_IMAGE}`,
    ],
    env: { ...process.env, POD_NAME: identity },
    logFile: join(dir, 'logs', `${identity}.log`),
  });
  if (ready) {
    await waitFor(
      async () =>
        (await probe(`http://127.0.0.1:${probePort}/readyz`)).status === 200 &&
        (await leaseHolder()) === identity
          ? true
          : undefined,
      {
        what: `operator process ${identity} ready and leading`,
        timeoutMs: 60_000,
        abortIf: () => (proc.hasExited() ? 'it exited' : undefined),
      },
    );
  }
  return { identity, proc };
}

/** Ends an operator process: SIGKILL (a crash: no reconcile finishes, the Lease is not released) or SIGTERM. */
export async function endOperatorProcess(proc: ManagedProcess, crash: boolean): Promise<void> {
  if (crash) {
    process.kill(-proc.pid, 'SIGKILL');
    await proc.exited;
  } else {
    await proc.stop(10_000);
  }
}

export async function withNamespace(
  t: TestContext,
  fn: (client: KubeClient, namespace: string) => Promise<void>,
) {
  const client = env!.client;
  const namespace = `t-${t.name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 30)
    .replace(/-+$/, '')}`;
  await client.create(K8S.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  try {
    await fn(client, namespace);
  } catch (err) {
    t.diagnostic(failureReport(dir, namespace));
    throw err;
  }
}

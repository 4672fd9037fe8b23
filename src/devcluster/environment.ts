import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createFileLog, type Log } from '../common/log.ts';
import { kubeClient } from '../kube/connect.ts';
import type { KubeClient, KubeObject } from '../kube/types.ts';
import { startOperator, type Operator } from '../operator/operator.ts';
import { servingNames } from '../operator/settings.ts';
import {
  MUTATING_CONFIGURATION,
  VALIDATING_CONFIGURATION,
  webhookConfigurations,
} from '../webhooks/configurations.ts';
import { DEPLOY_NAMESPACE, DEPLOY_SERVICE } from '../webhooks/deploy-manifest.ts';
import { DevCluster, type Identity } from './cluster.ts';
import { renderKubeconfig } from './kubeconfig.ts';
import { applyAll, installCrds, manifests } from './manifests.ts';
import type { PortPicker } from './ports.ts';
import { PodRunner } from './podrunner/runner.ts';
import { waitFor } from './probe.ts';
import { binaryPaths, projectRoot } from './toolchain.ts';

/** The dev cluster with its pod runner: what `cairn up` and the test harness run. */
export interface DevEnvironment {
  cluster: DevCluster;
  /** A client of the cluster as its admin. */
  client: KubeClient;
  runner: PodRunner;
  kubectl: string;
  /** The operator running in this process (absent with `operator: false`). */
  operator?: Operator;
  stop(): Promise<void>;
}

export interface DevEnvironmentOptions {
  dir: string;
  /** Image repositories the pod runner runs as Cairn's CLI. */
  images: string[];
  identities?: Identity[];
  log?: (msg: string) => void;
  /** Install the CRDs of deploy/crds (default true). */
  crds?: boolean;
  /**
   * Run the operator in this process, with the identity and RBAC of deploy/rbac, and install the webhook
   * configurations pointing at it by URL (default true).
   */
  operator?: boolean;
  /** Chooses the ports of etcd and the API server (tests hand out a held port through it). */
  pickPort?: PortPicker;
  /**
   * Run Deployments and route Services to their pods (see ClusterOptions.workloads); pods then report the
   * host's first non-loopback IPv4 address as theirs. For installing Cairn from deploy/ with `operator: false`.
   */
  workloads?: boolean;
}

const cliMain = fileURLToPath(new URL('../cli/main.ts', import.meta.url));
/** The operator's ServiceAccount in deploy/, impersonated in the dev cluster by a static token. */
const OPERATOR_USER = `system:serviceaccount:${DEPLOY_NAMESPACE}:cairn-operator`;

/**
 * Starts the dev cluster, then side by side its pod runner, the CRDs and the in-process operator. Resolves
 * when all of them are ready; on any failure everything started is stopped again.
 */
export async function startDevEnvironment(o: DevEnvironmentOptions): Promise<DevEnvironment> {
  const withOperator = o.operator ?? true;
  const podIP = o.workloads ? hostAddress() : undefined;
  const operatorIdentity: Identity = {
    token: randomBytes(24).toString('hex'),
    user: OPERATOR_USER,
    uid: 'cairn-operator',
    groups: ['system:serviceaccounts', `system:serviceaccounts:${DEPLOY_NAMESPACE}`],
  };
  const cluster = new DevCluster({
    dir: o.dir,
    identities: [...(o.identities ?? []), ...(withOperator ? [operatorIdentity] : [])],
    log: o.log,
    pickPort: o.pickPort,
    workloads: o.workloads,
  });
  try {
    await cluster.start();
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  const bins = binaryPaths();
  const client = kubeClient({ kubeconfig: cluster.info.kubeconfig });
  const runner = new PodRunner({
    client,
    server: cluster.info.server,
    caPem: cluster.info.caPem,
    workDir: join(o.dir, 'pods'),
    images: Object.fromEntries(o.images.map((i) => [i, []])),
    cli: { command: process.execPath, args: ['--disable-warning=ExperimentalWarning', cliMain] },
    extraPath: [dirname(bins.restic), dirname(bins.kubectl)],
    podIP,
    log: (msg, fields) => o.log?.(`${msg}${fields ? ' ' + JSON.stringify(fields) : ''}`),
  });
  let operator: Operator | undefined;
  let closeLog = (): void => {};
  const stop = async (): Promise<void> => {
    await operator?.stop();
    closeLog();
    await runner.stop();
    await cluster.stop();
  };
  // The pod runner, the CRDs and the operator do not depend on each other: start them side by side.
  const started = await Promise.allSettled([
    runner.start(),
    (o.crds ?? true) ? installCrds(client, o.log) : undefined,
    (async () => {
      if (!withOperator) return;
      const file = createFileLog(join(o.dir, 'logs', 'operator.log'));
      closeLog = file.close;
      operator = await startInProcessOperator(
        client,
        o.dir,
        cluster.info,
        operatorIdentity,
        file.log,
        o.images[0],
      );
      o.log?.(`the operator serves webhooks on https://127.0.0.1:${operator.webhookPort}`);
    })(),
  ]);
  const failure = started.find((r) => r.status === 'rejected');
  if (failure) {
    await stop();
    throw failure.reason;
  }
  return { cluster, client, runner, kubectl: bins.kubectl, operator, stop };
}

/**
 * The host's first IPv4 address that is not loopback: the API server reaches a pod's port there, and an
 * EndpointSlice accepts it (it refuses loopback addresses).
 */
export function hostAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    const found = list?.find((a) => a.family === 'IPv4' && !a.internal);
    if (found) return found.address;
  }
  throw new Error(
    'this machine has no IPv4 address besides loopback; a dev cluster with workloads needs one to route Services to pods',
  );
}

/**
 * The operator in this process with the ServiceAccount identity and RBAC of deploy/, serving the webhooks on
 * 127.0.0.1; the webhook configurations of deploy/ are installed pointing at it by URL. Resolves once the
 * CA bundle is in place. It runs without leader election: it is the only replica, and a Lease left by a
 * `cairn up` that was killed would otherwise hold back the next start for the lease's duration.
 */
async function startInProcessOperator(
  admin: KubeClient,
  dir: string,
  info: { server: string; caPem: string },
  identity: Identity,
  log: Log,
  image: string | undefined,
): Promise<Operator> {
  const deploy = join(projectRoot, 'deploy');
  await applyAll(admin, [
    ...manifests(join(deploy, 'operator')).filter((x) => x.kind === 'Namespace'),
    ...manifests(join(deploy, 'rbac')),
  ]);
  const kubeconfig = join(dir, 'operator.kubeconfig');
  writeFileSync(
    kubeconfig,
    renderKubeconfig({
      server: info.server,
      caPem: info.caPem,
      user: 'cairn-operator',
      token: identity.token,
    }),
    { mode: 0o600 },
  );
  const operator = await startOperator({
    client: kubeClient({ kubeconfig }),
    log,
    webhookListen: { host: '127.0.0.1', port: 0 },
    probeListen: { host: '127.0.0.1', port: 0 },
    certs: {
      secret: { namespace: DEPLOY_NAMESPACE, name: 'cairn-webhook-cert' },
      names: servingNames({ namespace: DEPLOY_NAMESPACE, name: DEPLOY_SERVICE }),
      caValidityMs: 10 * 365 * 24 * 3600_000,
      servingValidityMs: 90 * 24 * 3600_000,
    },
    configurations: { mutating: MUTATING_CONFIGURATION, validating: VALIDATING_CONFIGURATION },
    leaderElection: false,
    // The pod runner runs this image as Cairn's CLI, so the Jobs the reconcilers create run here.
    image,
    signal: AbortSignal.timeout(60_000),
  });
  try {
    // Without caBundle: the operator owns that field and keeps it across restarts.
    await applyAll(
      admin,
      webhookConfigurations({ url: `https://127.0.0.1:${operator.webhookPort}` }) as unknown as KubeObject[],
    );
    await operator.syncNow();
    await waitFor(() => (operator.notReadyReason() === undefined ? true : undefined), {
      what: 'the in-process operator',
      timeoutMs: 30_000,
    });
  } catch (err) {
    await operator.stop();
    throw err;
  }
  return operator;
}

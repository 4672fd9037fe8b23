// Cairn installed the way a user installs it: a dev cluster of its own, started without the in-process
// operator and with Deployments and Services working (src/devcluster `workloads`), gets
// `kubectl apply --server-side -k` of deploy/ and then of deploy/addons/, as the README says. The operator
// Deployment's pod runs through the pod runner (the release image is Cairn's CLI there) with the
// ServiceAccount token the API server projects into it, and the API server reaches its webhooks through the
// Service. The only change to deploy/ is an overlay moving the operator's two ports to free ones, so that
// runs on a shared machine do not collide.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import type { V1Deployment } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { K8S, KUBESTASH } from '../../src/api/resource-type.ts';
import { startDevEnvironment, type DevEnvironment } from '../../src/devcluster/environment.ts';
import { DEFAULT_IMAGE } from '../../src/devcluster/podrunner/command.ts';
import { freePort } from '../../src/devcluster/ports.ts';
import { waitFor } from '../../src/devcluster/probe.ts';
import { projectRoot } from '../../src/devcluster/toolchain.ts';
import type { KubeObject } from '../../src/kube/types.ts';

const run = promisify(execFile);
const DEPLOY = join(projectRoot, 'deploy');
export const OPERATOR_NAMESPACE = 'cairn-system';
const OPERATOR_DEPLOYMENT = 'cairn-operator';

export interface InstalledCairn {
  env: DevEnvironment;
  /** Runs kubectl against this cluster as its admin; resolves with stdout, rejects with stderr in the message. */
  kubectl(args: string[]): Promise<string>;
  /** The operator's probe endpoint on the host (`http://127.0.0.1:PORT`). */
  probeUrl: string;
}

/** deploy/operator/deployment.yaml's container args with both listen addresses moved to the given ports. */
function operatorArgs(webhookPort: number, probePort: number): string[] {
  const doc = parseAllDocuments(readFileSync(join(DEPLOY, 'operator', 'deployment.yaml'), 'utf8'))[0];
  const deployment = doc?.toJS() as V1Deployment;
  const args = deployment.spec?.template.spec?.containers[0]?.args ?? [];
  return args.map((a) =>
    a.startsWith('--webhook-bind-address=')
      ? `--webhook-bind-address=0.0.0.0:${webhookPort}`
      : a.startsWith('--probe-bind-address=')
        ? `--probe-bind-address=127.0.0.1:${probePort}`
        : a,
  );
}

/** A kustomization over deploy/ that changes only the operator's ports (containerPort and bind addresses). */
function writeOverlay(dir: string, webhookPort: number, probePort: number): void {
  mkdirSync(dir, { recursive: true });
  const container = '/spec/template/spec/containers/0';
  const patch = [
    { op: 'replace', path: `${container}/args`, value: operatorArgs(webhookPort, probePort) },
    { op: 'replace', path: `${container}/ports/0/containerPort`, value: webhookPort },
    { op: 'replace', path: `${container}/ports/1/containerPort`, value: probePort },
  ];
  const kustomization = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: [relative(dir, DEPLOY)],
    patches: [
      {
        target: { kind: 'Deployment', name: OPERATOR_DEPLOYMENT, namespace: OPERATOR_NAMESPACE },
        patch: JSON.stringify(patch),
      },
    ],
  };
  writeFileSync(join(dir, 'kustomization.yaml'), JSON.stringify(kustomization, null, 2));
}

/**
 * Starts a dev cluster in `dir` and installs Cairn from deploy/ with kubectl, as the README's "Install in a
 * cluster" does; resolves once the operator's pod is available and its webhooks answer admission requests
 * through the Service. On failure everything started is stopped.
 */
export async function installFromDeploy(o: {
  dir: string;
  log?: (msg: string) => void;
}): Promise<InstalledCairn> {
  const env = await startDevEnvironment({
    dir: o.dir,
    images: [DEFAULT_IMAGE],
    crds: false,
    operator: false,
    workloads: true,
    log: o.log,
  });
  const kubectl = async (args: string[]): Promise<string> => {
    try {
      const { stdout } = await run(env.kubectl, ['--kubeconfig', env.cluster.info.kubeconfig, ...args], {
        maxBuffer: 16 << 20,
      });
      return stdout;
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`kubectl ${args.join(' ')}: ${e.stderr || e.message}`, { cause: err });
    }
  };
  try {
    const webhookPort = await freePort();
    const probePort = await freePort();
    const overlay = join(o.dir, 'install');
    writeOverlay(overlay, webhookPort, probePort);
    await kubectl(['apply', '--server-side', '-k', overlay]);
    await kubectl([
      'wait',
      '--for',
      'condition=Established',
      '--timeout=60s',
      'crd/addons.addons.kubestash.com',
      'crd/functions.addons.kubestash.com',
    ]);
    await kubectl(['apply', '--server-side', '-k', join(DEPLOY, 'addons')]);
    await waitForOperator(env);
    return { env, kubectl, probeUrl: `http://127.0.0.1:${probePort}` };
  } catch (err) {
    await env.stop();
    throw err;
  }
}

/**
 * Resolves once the operator Deployment has an available replica and a server-side dry run of a
 * RetentionPolicy is admitted. Its webhooks fail closed (failurePolicy Fail), so an admitted request means
 * the API server reached the pod through the Service and trusted it with the CA bundle the operator wrote.
 */
async function waitForOperator(env: DevEnvironment): Promise<void> {
  const { client } = env;
  await waitFor(
    async () => {
      const d = await client.get<V1Deployment & KubeObject>(
        K8S.deployments,
        OPERATOR_DEPLOYMENT,
        OPERATOR_NAMESPACE,
      );
      return (d.status?.availableReplicas ?? 0) >= 1 ? true : undefined;
    },
    { what: `Deployment ${OPERATOR_NAMESPACE}/${OPERATOR_DEPLOYMENT} available`, timeoutMs: 120_000 },
  );
  const probe: KubeObject = {
    apiVersion: 'storage.kubestash.com/v1alpha1',
    kind: 'RetentionPolicy',
    metadata: { name: 'webhook-probe', namespace: OPERATOR_NAMESPACE },
    spec: { successfulSnapshots: { last: 1 } },
  };
  await waitFor(
    async () => {
      await client.create(KUBESTASH.retentionPolicies, probe, {
        namespace: OPERATOR_NAMESPACE,
        dryRun: true,
      });
      return true;
    },
    { what: "the operator's webhooks to serve through the Service", timeoutMs: 120_000 },
  );
}

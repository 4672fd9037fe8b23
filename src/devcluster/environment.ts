import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ApiextensionsV1Api,
  CustomObjectsApi,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { loadKubeConfig } from '../kube/config-client-node-old.ts';
import { apiMessage } from '../kube/errors.ts';
import { createFileLog, type Log } from '../common/log.ts';
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
import { PodRunner } from './podrunner/runner.ts';
import { waitFor } from './probe.ts';
import { binaryPaths, projectRoot } from './toolchain.ts';

/** The dev cluster with its pod runner: what `cairn up` and the test harness run. */
export interface DevEnvironment {
  cluster: DevCluster;
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
}

const cliMain = fileURLToPath(new URL('../cli/main.ts', import.meta.url));
const FIELD_MANAGER = 'cairn';
/** The operator's ServiceAccount in deploy/, impersonated in the dev cluster by a static token. */
const OPERATOR_USER = `system:serviceaccount:${DEPLOY_NAMESPACE}:cairn-operator`;

export async function startDevEnvironment(o: DevEnvironmentOptions): Promise<DevEnvironment> {
  const withOperator = o.operator ?? true;
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
  });
  try {
    await cluster.start();
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  const bins = binaryPaths();
  const admin = loadKubeConfig(cluster.info.kubeconfig);
  const runner = new PodRunner({
    kc: admin,
    server: cluster.info.server,
    caPem: cluster.info.caPem,
    workDir: join(o.dir, 'pods'),
    images: Object.fromEntries(o.images.map((i) => [i, []])),
    cli: { command: process.execPath, args: ['--disable-warning=ExperimentalWarning', cliMain] },
    extraPath: [dirname(bins.restic), dirname(bins.kubectl)],
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
    (o.crds ?? true) ? installCrds(admin, o.log) : undefined,
    (async () => {
      if (!withOperator) return;
      const file = createFileLog(join(o.dir, 'logs', 'operator.log'));
      closeLog = file.close;
      operator = await startInProcessOperator(admin, cluster.info, operatorIdentity, file.log);
      o.log?.(`the operator serves webhooks on https://127.0.0.1:${operator.webhookPort}`);
    })(),
  ]);
  const failure = started.find((r) => r.status === 'rejected');
  if (failure) {
    await stop();
    throw failure.reason;
  }
  return { cluster, runner, kubectl: bins.kubectl, operator, stop };
}

/** Every object of the YAML files in `dir` (documents that are not objects, e.g. kustomizations, skipped). */
function manifests(dir: string): KubernetesObject[] {
  if (!existsSync(dir)) return [];
  const out: KubernetesObject[] = [];
  for (const f of readdirSync(dir)
    .filter((n) => /\.ya?ml$/.test(n))
    .sort()) {
    for (const doc of parseAllDocuments(readFileSync(join(dir, f), 'utf8'))) {
      const obj = doc.toJS() as KubernetesObject | null;
      if (obj?.apiVersion && obj.kind && obj.kind !== 'Kustomization') out.push(obj);
    }
  }
  return out;
}

async function apply(kc: KubeConfig, objects: KubernetesObject[]): Promise<void> {
  const api = KubernetesObjectApi.makeApiClient(kc);
  for (const obj of objects) {
    await api.patch(obj, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
  }
}

/**
 * Server-side applies deploy/crds/*.yaml and waits until every CRD is Established. Every CRD is tried; the
 * error names each one the API server refused.
 */
export async function installCrds(
  kc: KubeConfig,
  log?: (msg: string) => void,
  dir = join(projectRoot, 'deploy', 'crds'),
): Promise<void> {
  const crds = manifests(dir).filter((o) => o.kind === 'CustomResourceDefinition');
  const ext = kc.makeApiClient(ApiextensionsV1Api);
  const failed: string[] = [];
  await Promise.all(
    crds.map(async (crd) => {
      try {
        // Not KubernetesObjectApi: its typed serialisation drops `enum` and the x-kubernetes-* keys of schemas.
        await ext.patchCustomResourceDefinition(
          { name: crd.metadata?.name ?? '', body: crd, fieldManager: FIELD_MANAGER, force: true },
          setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
        );
      } catch (err) {
        failed.push(`${crd.metadata?.name ?? '?'}: ${apiMessage(err)}`);
      }
    }),
  );
  if (failed.length > 0) throw new Error(`deploy/crds: the API server refused ${failed.join('; ')}`);
  await waitFor(
    async () => {
      const list = await ext.listCustomResourceDefinition();
      const established = new Set(
        list.items
          .filter((c) => c.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True'))
          .map((c) => c.metadata?.name),
      );
      return crds.every((c) => established.has(c.metadata?.name)) ? true : undefined;
    },
    { what: 'the CRDs of deploy/crds to be Established', timeoutMs: 30_000, intervalMs: 50 },
  );
  // An Established CRD may still answer 429 ("storage is (re)initializing") for a moment.
  const custom = kc.makeApiClient(CustomObjectsApi);
  await Promise.all(
    crds.map((crd) => {
      const spec = (
        crd as KubernetesObject & {
          spec?: {
            group?: string;
            names?: { plural?: string };
            versions?: { name?: string; served?: boolean }[];
          };
        }
      ).spec;
      const version = spec?.versions?.find((v) => v.served !== false)?.name ?? '';
      return waitFor(
        async () => {
          await custom.listClusterCustomObject({
            group: spec?.group ?? '',
            version,
            plural: spec?.names?.plural ?? '',
            limit: 1,
          });
          return true;
        },
        { what: `${crd.metadata?.name ?? ''} to be served`, timeoutMs: 30_000, intervalMs: 50 },
      );
    }),
  );
  log?.(`installed ${crds.length} CRDs`);
}

/**
 * The operator in this process with the ServiceAccount identity and RBAC of deploy/, serving the webhooks on
 * 127.0.0.1; the webhook configurations of deploy/ are installed pointing at it by URL. Resolves once the
 * CA bundle is in place.
 */
async function startInProcessOperator(
  admin: KubeConfig,
  info: { server: string; caPem: string },
  identity: Identity,
  log: Log,
): Promise<Operator> {
  const deploy = join(projectRoot, 'deploy');
  await apply(admin, [
    ...manifests(join(deploy, 'operator')).filter((x) => x.kind === 'Namespace'),
    ...manifests(join(deploy, 'rbac')),
  ]);
  const kc = new KubeConfig();
  kc.loadFromString(
    renderKubeconfig({
      server: info.server,
      caPem: info.caPem,
      user: 'cairn-operator',
      token: identity.token,
    }),
  );
  const operator = await startOperator({
    kc,
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
    signal: AbortSignal.timeout(60_000),
  });
  try {
    // Without caBundle: the operator owns that field and keeps it across restarts.
    await apply(admin, webhookConfigurations({ url: `https://127.0.0.1:${operator.webhookPort}` }));
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

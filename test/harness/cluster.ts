import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { test, type TestContext } from 'node:test';
import { CoreV1Api, KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { tailFile } from '../../src/devcluster/processes.ts';
import { waitFor } from '../../src/devcluster/probe.ts';
import { isNotFound } from '../../src/kube/errors.ts';
import { kubeClient } from '../../src/kube/connect.ts';
import type { KubeClient } from '../../src/kube/types.ts';

/** What an integration test gets: the shared dev cluster and a namespace of its own. */
export interface ClusterContext {
  kc: KubeConfig;
  /** Cairn's own client (src/kube) as admin, for calling src/ functions. */
  client: KubeClient;
  core: CoreV1Api;
  namespace: string;
  /** The image the suite's pod runner runs as Cairn's CLI. */
  image: string;
  /** The state directory of the shared dev cluster. */
  dir: string;
}

function shared(): { dir: string; kubeconfig: string; image: string } {
  const dir = process.env.CAIRN_TEST_DIR;
  const kubeconfig = process.env.CAIRN_TEST_KUBECONFIG;
  const image = process.env.CAIRN_TEST_IMAGE;
  if (!dir || !kubeconfig || !image) {
    throw new Error(
      'no dev cluster: run integration tests with `make test-integration` (its global setup starts one)',
    );
  }
  return { dir, kubeconfig, image };
}

/** Cairn's own client (src/kube) as the dev cluster's admin. */
export function adminClient(): KubeClient {
  return kubeClient({ kubeconfig: shared().kubeconfig });
}

export function adminKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(shared().kubeconfig);
  return kc;
}

/**
 * A test against the shared dev cluster in a fresh namespace, deleted afterwards. When the test
 * fails, the tails of the control-plane logs and of every container the pod runner ran in the
 * namespace are printed with the error.
 */
export function clusterTest(
  name: string,
  fn: (ctx: ClusterContext, t: TestContext) => Promise<void>,
  timeoutMs = 180_000,
): void {
  void test(name, { timeout: timeoutMs }, async (t) => {
    const { dir, image } = shared();
    const kc = adminKubeConfig();
    const core = kc.makeApiClient(CoreV1Api);
    const namespace = `t-${name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .slice(0, 40)
      .replace(/-+$/, '')}-${randomBytes(3).toString('hex')}`;
    await core.createNamespace({
      body: { metadata: { name: namespace, labels: { 'cairn.dev/test': 'true' } } },
    });
    try {
      let client: KubeClient | undefined;
      const ctx: ClusterContext = {
        kc,
        get client() {
          return (client ??= adminClient());
        },
        core,
        namespace,
        image,
        dir,
      };
      await fn(ctx, t);
    } catch (err) {
      t.diagnostic(failureReport(dir, namespace));
      throw err;
    } finally {
      await core.deleteNamespace({ name: namespace }).catch(() => undefined);
    }
  });
}

/** Logs that explain a failure: the control plane's and the namespace's containers'. */
export function failureReport(dir: string, namespace: string): string {
  const parts: string[] = [];
  for (const c of ['kube-apiserver', 'kube-controller-manager', 'etcd']) {
    parts.push(`--- ${c}\n${tailFile(join(dir, 'logs', `${c}.log`), 15)}`);
  }
  parts.push(`--- harness\n${tailFile(join(dir, 'harness.log'), 30)}`);
  const podsDir = join(dir, 'pods', namespace);
  if (existsSync(podsDir)) {
    for (const pod of readdirSync(podsDir)) {
      const logs = join(podsDir, pod, 'logs');
      if (!existsSync(logs)) continue;
      for (const f of readdirSync(logs))
        parts.push(`--- pod ${pod} container ${f}\n${tailFile(join(logs, f), 30)}`);
    }
  }
  return parts.join('\n');
}

/** Waits for a pod to reach a state that `accept` recognises; returns that pod. */
export async function waitForPod(
  ctx: ClusterContext,
  name: string,
  accept: (pod: V1Pod) => boolean,
  timeoutMs = 60_000,
): Promise<V1Pod> {
  return waitFor(
    async () => {
      const pod = await ctx.core.readNamespacedPod({ name, namespace: ctx.namespace });
      return accept(pod) ? pod : undefined;
    },
    { what: `pod ${ctx.namespace}/${name}`, timeoutMs },
  );
}

/** Resolves once the object is gone (a 404 from `read`). */
export async function waitForGone(
  what: string,
  read: () => Promise<unknown>,
  timeoutMs = 60_000,
): Promise<void> {
  await waitFor(
    async () => {
      try {
        await read();
        return undefined;
      } catch (err) {
        if (isNotFound(err)) return true;
        throw err;
      }
    },
    { what: `${what} to be deleted`, timeoutMs },
  );
}

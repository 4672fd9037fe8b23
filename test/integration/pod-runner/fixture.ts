// What the pod runner tests share: a Job of Cairn's image, waiting for a Job or pods to finish, and reading
// a container's log from the runner's state directory.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  BatchV1Api,
  type V1Container,
  type V1Job,
  type V1Pod,
  type V1PodSpec,
} from '@kubernetes/client-node';
import { waitForPod, type ClusterContext } from '../../harness/cluster.ts';
import { waitFor } from '../../../src/devcluster/probe.ts';
import { containerLog } from '../../../src/cli/devcluster.ts';

export function job(
  ctx: ClusterContext,
  name: string,
  container: Partial<V1Container>,
  spec: Partial<V1PodSpec> = {},
): V1Job {
  return {
    metadata: { name, namespace: ctx.namespace },
    spec: {
      backoffLimit: 0,
      template: {
        spec: {
          restartPolicy: 'Never',
          containers: [{ name: 'main', image: `${ctx.image}:dev`, ...container }],
          ...spec,
        },
      },
    },
  };
}

export async function jobCondition(
  ctx: ClusterContext,
  name: string,
  timeoutMs = 90_000,
): Promise<'Complete' | 'Failed'> {
  const batch = ctx.kc.makeApiClient(BatchV1Api);
  return waitFor(
    async () => {
      const j = await batch.readNamespacedJob({ name, namespace: ctx.namespace });
      const c = j.status?.conditions?.find(
        (x) => (x.type === 'Complete' || x.type === 'Failed') && x.status === 'True',
      );
      return c?.type as 'Complete' | 'Failed' | undefined;
    },
    { what: `job ${name} to finish`, timeoutMs },
  );
}

export async function jobPods(ctx: ClusterContext, name: string): Promise<V1Pod[]> {
  const l = await ctx.core.listNamespacedPod({ namespace: ctx.namespace, labelSelector: `job-name=${name}` });
  return l.items;
}

export function logOf(ctx: ClusterContext, pod: V1Pod, container = 'main'): string {
  return readFileSync(containerLog(ctx.dir, ctx.namespace, pod.metadata?.name ?? '', container), 'utf8');
}

/** Creates the pods, waits for each to end, and returns them by name. */
export async function runPods(
  ctx: ClusterContext,
  pods: V1Pod[],
  timeoutMs = 90_000,
): Promise<Map<string, V1Pod>> {
  for (const body of pods) await ctx.core.createNamespacedPod({ namespace: ctx.namespace, body });
  const done = new Map<string, V1Pod>();
  for (const p of pods) {
    const name = p.metadata?.name ?? '';
    done.set(
      name,
      await waitForPod(
        ctx,
        name,
        (x) => x.status?.phase === 'Succeeded' || x.status?.phase === 'Failed',
        timeoutMs,
      ),
    );
  }
  return done;
}

export function podOf(name: string, spec: Partial<V1PodSpec>): V1Pod {
  return {
    metadata: { name, labels: { app: 'probe' } },
    spec: { restartPolicy: 'Never', containers: [], ...spec },
  };
}

export function assertSucceeded(ctx: ClusterContext, pods: Map<string, V1Pod>): void {
  for (const [name, pod] of pods) {
    const logs = (pod.spec?.containers ?? []).map((c) => `${c.name}: ${logOf(ctx, pod, c.name)}`).join('\n');
    assert.equal(pod.status?.phase, 'Succeeded', `pod ${name}:\n${logs}`);
  }
}

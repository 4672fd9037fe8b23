// The scheduler's half of the pod runner: a pending pod is either bound to the runner's Node (every image
// is one the runner runs) or marked unschedulable with a condition that names the images it cannot run.
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { K8S } from '../../api/resource-type.ts';
import { apiMessage, isConflict, isNotFound } from '../../kube/errors.ts';
import type { KubeClient } from '../../kube/types.ts';
import { imageRepository } from './command.ts';
import { now } from './status.ts';

/** The containers (init and main) whose image the runner does not run; empty when the pod can be bound. */
export function unknownContainers(pod: V1Pod, images: Record<string, string[]>): V1Container[] {
  const all = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  return all.filter((c) => !c.image || images[imageRepository(c.image)] === undefined);
}

/** Why a pod with these containers will not run, for its PodScheduled condition. */
export function refusalMessage(unknown: readonly V1Container[], images: Record<string, string[]>): string {
  const known = Object.keys(images).join(', ');
  const which = unknown.map((c) => `container "${c.name}" uses "${c.image ?? ''}"`).join(', ');
  return `cairn's local pod runner runs only the images ${known}; ${which}. This pod will not run in the dev cluster.`;
}

export type Log = (msg: string, fields?: Record<string, unknown>) => void;

/**
 * Binds the pod to `nodeName`. A pod that is gone, or bound already (409), is left alone: the watch
 * brings its next state.
 */
export async function bindPod(client: KubeClient, pod: V1Pod, nodeName: string, log: Log): Promise<void> {
  const namespace = pod.metadata?.namespace ?? 'default';
  const name = pod.metadata?.name ?? '';
  try {
    await client.request({
      method: 'POST',
      path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}/binding`,
      body: {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name, namespace },
        target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
      },
    });
  } catch (err) {
    if (!isNotFound(err) && !isConflict(err))
      log('could not bind pod', { namespace, name, err: apiMessage(err) });
  }
}

/**
 * Sets PodScheduled=False (Unschedulable) with `message`. Resolves to false when the write failed for a
 * reason worth trying again (the pod still exists).
 */
export async function markUnschedulable(
  client: KubeClient,
  pod: V1Pod,
  message: string,
  log: Log,
): Promise<boolean> {
  const namespace = pod.metadata?.namespace ?? 'default';
  const name = pod.metadata?.name ?? '';
  const condition = {
    type: 'PodScheduled',
    status: 'False',
    reason: 'Unschedulable',
    message,
    lastTransitionTime: now(),
  };
  try {
    await client.patchStatus(K8S.pods, name, namespace, { conditions: [condition] });
    log('pod refused: unknown image', { namespace, name });
    return true;
  } catch (err) {
    if (isNotFound(err)) return true;
    log('could not mark pod unschedulable', { namespace, name, err: apiMessage(err) });
    return false;
  }
}

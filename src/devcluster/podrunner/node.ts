// The Node object the pod runner stands behind. Pod garbage collection force-deletes pods bound to a node
// that does not exist, so the runner registers itself before it binds anything.
import { K8S } from '../../api/resource-type.ts';
import { isConflict } from '../../kube/errors.ts';
import type { KubeClient } from '../../kube/types.ts';
import { now } from './status.ts';

/** Creates the Node (kept when it exists) and reports it Ready on 127.0.0.1. */
export async function registerNode(client: KubeClient, nodeName: string): Promise<void> {
  const node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: nodeName,
      labels: { 'kubernetes.io/hostname': nodeName, 'cairn.dev/local-pod-runner': 'true' },
    },
  };
  try {
    await client.create(K8S.nodes, node);
  } catch (err) {
    if (!isConflict(err)) throw err;
  }
  const t = now();
  await client.patchStatus(K8S.nodes, nodeName, undefined, {
    conditions: [
      {
        type: 'Ready',
        status: 'True',
        reason: 'CairnPodRunnerReady',
        message: "cairn's local pod runner",
        lastHeartbeatTime: t,
        lastTransitionTime: t,
      },
    ],
    addresses: [
      { type: 'InternalIP', address: '127.0.0.1' },
      { type: 'Hostname', address: nodeName },
    ],
    capacity: { cpu: '2', memory: '8Gi', pods: '110' },
    allocatable: { cpu: '2', memory: '8Gi', pods: '110' },
  });
}

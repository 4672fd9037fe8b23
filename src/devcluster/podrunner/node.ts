// The Node object the pod runner stands behind. Pod garbage collection force-deletes pods bound to a node
// that does not exist, so the runner registers itself before it binds anything.
import type { CoreV1Api } from '@kubernetes/client-node';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { isConflict } from '../../kube/errors.ts';
import { now } from './status.ts';

/** Creates the Node (kept when it exists) and reports it Ready on 127.0.0.1. */
export async function registerNode(core: CoreV1Api, nodeName: string): Promise<void> {
  const body = {
    metadata: {
      name: nodeName,
      labels: { 'kubernetes.io/hostname': nodeName, 'cairn.dev/local-pod-runner': 'true' },
    },
  };
  try {
    await core.createNode({ body });
  } catch (err) {
    if (!isConflict(err)) throw err;
  }
  const t = now();
  await core.patchNodeStatus(
    {
      name: nodeName,
      body: {
        status: {
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
        },
      },
    },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

// What volumes and env refer to, read from the API server with the runner's (admin) identity, as the
// kubelet reads them with its node identity.
import type { V1ConfigMap, V1Secret, AuthenticationV1TokenRequest } from '@kubernetes/client-node';
import { K8S } from '../../api/resource-type.ts';
import type { KubeClient } from '../../kube/types.ts';
import type { VolumeSources } from './volumes.ts';

const decode = (d: Record<string, string> | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(d ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));

/** Secrets and ConfigMaps (undefined when absent) and TokenRequest tokens bound to the pod. */
export function apiSources(client: KubeClient): VolumeSources {
  return {
    async secret(namespace, name) {
      const s = await client.find<V1Secret>(K8S.secrets, name, namespace);
      return s && { ...decode(s.data), ...(s.stringData ?? {}) };
    },
    async configMap(namespace, name) {
      const c = await client.find<V1ConfigMap>(K8S.configMaps, name, namespace);
      return c && { ...(c.data ?? {}), ...decode(c.binaryData) };
    },
    async token(pod, audience, expirationSeconds) {
      const namespace = pod.metadata?.namespace ?? 'default';
      const sa = pod.spec?.serviceAccountName ?? 'default';
      const tr = await client.request<AuthenticationV1TokenRequest>({
        method: 'POST',
        path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/serviceaccounts/${encodeURIComponent(sa)}/token`,
        body: {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenRequest',
          spec: {
            audiences: audience ? [audience] : [],
            expirationSeconds: expirationSeconds ?? 3607,
            boundObjectRef: {
              apiVersion: 'v1',
              kind: 'Pod',
              name: pod.metadata?.name ?? '',
              uid: pod.metadata?.uid ?? '',
            },
          },
        },
      });
      const token = tr.status?.token;
      if (!token) throw new Error('the TokenRequest API returned no token');
      return token;
    },
  };
}

// What volumes and env refer to, read from the API server with the runner's (admin) identity, as the
// kubelet reads them with its node identity.
import type { CoreV1Api } from '@kubernetes/client-node';
import { isNotFound } from '../../kube/errors.ts';
import type { VolumeSources } from './volumes.ts';

const decode = (d: Record<string, string> | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(d ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));

/** Secrets and ConfigMaps (undefined when absent) and TokenRequest tokens bound to the pod. */
export function apiSources(core: CoreV1Api): VolumeSources {
  return {
    async secret(namespace, name) {
      try {
        const s = await core.readNamespacedSecret({ name, namespace });
        return { ...decode(s.data), ...(s.stringData ?? {}) };
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },
    async configMap(namespace, name) {
      try {
        const c = await core.readNamespacedConfigMap({ name, namespace });
        return { ...(c.data ?? {}), ...decode(c.binaryData) };
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },
    async token(pod, audience, expirationSeconds) {
      const tr = await core.createNamespacedServiceAccountToken({
        name: pod.spec?.serviceAccountName ?? 'default',
        namespace: pod.metadata?.namespace ?? 'default',
        body: {
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

import { KubeConfig } from '@kubernetes/client-node';

/**
 * The client configuration: an explicit kubeconfig file, else $KUBECONFIG / ~/.kube/config / the
 * in-cluster ServiceAccount, in client-node's order.
 */
export function loadKubeConfig(path?: string): KubeConfig {
  const kc = new KubeConfig();
  if (path) kc.loadFromFile(path);
  else kc.loadFromDefault();
  return kc;
}

// Where KubeClients come from: a kubeconfig (explicit file, $KUBECONFIG with its `:`-joined list, or
// ~/.kube/config) or, inside a pod, the ServiceAccount. The only module that constructs a KubeClient.
import { createClient } from './client.ts';
import { loadConnection } from './connection.ts';
import type { KubeClient } from './types.ts';

export interface ConnectOptions {
  /** A kubeconfig file; default $KUBECONFIG, then ~/.kube/config, then the in-cluster ServiceAccount. */
  kubeconfig?: string;
  /** A context of that kubeconfig; default its current-context. */
  context?: string;
  /** Overrides the context's namespace (kubectl's `-n`). */
  namespace?: string;
  /** The User-Agent sent; default `cairn`. */
  userAgent?: string;
}

/**
 * A client for the cluster the options name. Reading and checking the kubeconfig happens here (a missing
 * file, context, cluster or user is an error naming it); credentials that need a process or a file read
 * (exec plugins, token files, the ServiceAccount token) are obtained on first use and refreshed as they expire.
 */
export function kubeClient(opts: ConnectOptions = {}): KubeClient {
  return createClient(loadConnection(opts), opts.userAgent ?? 'cairn');
}

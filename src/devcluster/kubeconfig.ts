import { stringify } from 'yaml';

/** A kubeconfig for one user of one cluster, authenticated by a bearer token. */
export function renderKubeconfig(opts: {
  server: string;
  caPem: string;
  user: string;
  token: string;
  namespace?: string;
}): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'cairn',
        cluster: {
          server: opts.server,
          'certificate-authority-data': Buffer.from(opts.caPem).toString('base64'),
        },
      },
    ],
    users: [{ name: opts.user, user: { token: opts.token } }],
    contexts: [
      {
        name: 'cairn',
        context: { cluster: 'cairn', user: opts.user, namespace: opts.namespace ?? 'default' },
      },
    ],
    'current-context': 'cairn',
  });
}

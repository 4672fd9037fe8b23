// From kubeconfig files (or a pod's ServiceAccount) to a Connection: which files, which context, and the
// CA, client certificate and credentials they name. Files named by the kubeconfig are read here, once;
// token files and exec plugins are read or run on first use (credentials.ts, exec-credential.ts).
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import {
  basic,
  bearer,
  staticCredentials,
  tokenFileCredentials,
  type AuthState,
  type Credentials,
} from './credentials.ts';
import { checkExecConfig, execCredentials, type ExecClusterInfo } from './exec-credential.ts';
import type { Connection } from './http.ts';
import {
  mergeKubeconfigs,
  parseKubeconfig,
  selectContext,
  type Selection,
  type UserEntry,
} from './kubeconfig.ts';

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface ConnectionOptions {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
}

/** What the loading depends on besides the options; injectable for tests. */
export interface Environment {
  env: NodeJS.ProcessEnv;
  home: string;
  serviceAccountDir: string;
  /** How often token files are read again at most. */
  tokenRecheckMs?: number;
}

const defaults = (): Environment => ({
  env: process.env,
  home: homedir(),
  serviceAccountDir: SERVICE_ACCOUNT_DIR,
});

function readNamed(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, {
      cause: err,
    });
  }
}

const fromBase64 = (data: string): string => Buffer.from(data, 'base64').toString('utf8');

/**
 * The connection the options and environment name, in kubectl's order: an explicit kubeconfig file,
 * else the files of $KUBECONFIG (merged, first wins; missing ones skipped), else ~/.kube/config, else the
 * in-cluster ServiceAccount. Every missing piece is an error that names it.
 */
export function loadConnection(
  opts: ConnectionOptions = {},
  environment: Partial<Environment> = {},
): Connection {
  const sys = { ...defaults(), ...environment };
  let files: string[];
  if (opts.kubeconfig) {
    files = [opts.kubeconfig];
  } else if (sys.env.KUBECONFIG) {
    const listed = sys.env.KUBECONFIG.split(delimiter).filter((f) => f !== '');
    files = listed.filter((f) => existsSync(f));
    if (files.length === 0 && !sys.env.KUBERNETES_SERVICE_HOST) {
      throw new Error(`none of the kubeconfig files in $KUBECONFIG exists: ${listed.join(', ')}`);
    }
  } else {
    const home = join(sys.home, '.kube', 'config');
    files = existsSync(home) ? [home] : [];
  }
  if (files.length === 0) {
    const conn = inClusterConnection(sys);
    if (conn) return opts.namespace ? { ...conn, namespace: opts.namespace } : conn;
    throw new Error(
      'no Kubernetes configuration found: no kubeconfig was given, $KUBECONFIG is not set, ' +
        `${join(sys.home, '.kube', 'config')} does not exist, and this is not a pod (no KUBERNETES_SERVICE_HOST)`,
    );
  }
  const cfg = mergeKubeconfigs(files.map((f) => parseKubeconfig(readNamed(f, 'the kubeconfig'), f)));
  return connectionFor(selectContext(cfg, opts.context), opts.namespace, sys);
}

/** The connection of a selected context. */
export function connectionFor(sel: Selection, namespace: string | undefined, sys: Environment): Connection {
  const { cluster, user } = sel;
  if (cluster.proxyUrl) {
    throw new Error(`cluster "${sel.clusterName}": proxy-url is not supported; reach the server directly`);
  }
  const ca = cluster.certificateAuthorityData
    ? fromBase64(cluster.certificateAuthorityData)
    : cluster.certificateAuthority
      ? readNamed(cluster.certificateAuthority, 'the certificate authority')
      : undefined;
  const info: ExecClusterInfo = { server: cluster.server };
  if (cluster.tlsServerName) info['tls-server-name'] = cluster.tlsServerName;
  if (cluster.insecureSkipTlsVerify) info['insecure-skip-tls-verify'] = true;
  if (ca !== undefined) info['certificate-authority-data'] = Buffer.from(ca).toString('base64');
  if (cluster.execExtension !== undefined) info.config = cluster.execExtension;
  const conn: Connection = {
    server: cluster.server.replace(/\/+$/, ''),
    insecureSkipTlsVerify: cluster.insecureSkipTlsVerify,
    namespace: namespace ?? sel.namespace ?? 'default',
    credentials: userCredentials(sel, info, sys),
    headers: impersonation(user),
  };
  if (ca !== undefined) conn.ca = ca;
  if (cluster.tlsServerName) conn.tlsServerName = cluster.tlsServerName;
  return conn;
}

function userCredentials(sel: Selection, cluster: ExecClusterInfo, sys: Environment): Credentials {
  const { user } = sel;
  const who = `user of context "${sel.context}"`;
  if (user.authProvider !== undefined) {
    throw new Error(
      `the ${who} uses the auth-provider "${user.authProvider}", which Cairn does not support; ` +
        'configure an exec credential plugin (users[].user.exec) instead, e.g. the provider’s kubectl plugin',
    );
  }
  const base: AuthState = {};
  const cert = user.clientCertificateData
    ? fromBase64(user.clientCertificateData)
    : user.clientCertificate && readNamed(user.clientCertificate, 'the client certificate');
  const key = user.clientKeyData
    ? fromBase64(user.clientKeyData)
    : user.clientKey && readNamed(user.clientKey, 'the client key');
  if (Boolean(cert) !== Boolean(key)) {
    throw new Error(`the ${who} has a client certificate or a client key, but not both`);
  }
  if (cert && key) Object.assign(base, { cert, key });
  if (user.exec) {
    checkExecConfig(user.exec, sel.userName);
    return execCredentials(user.exec, { cluster, env: sys.env, base });
  }
  if (user.token) return staticCredentials({ ...base, authorization: bearer(user.token) });
  if (user.tokenFile) {
    return tokenFileCredentials(
      user.tokenFile,
      { ...(sys.tokenRecheckMs !== undefined && { recheckMs: sys.tokenRecheckMs }) },
      base,
    );
  }
  if (user.username !== undefined || user.password !== undefined) {
    return staticCredentials({ ...base, authorization: basic(user.username ?? '', user.password ?? '') });
  }
  return staticCredentials(base);
}

function impersonation(user: UserEntry): Record<string, string | string[]> {
  const h: Record<string, string | string[]> = {};
  const imp = user.impersonate;
  if (!imp) return h;
  if (imp.user !== undefined) h['impersonate-user'] = imp.user;
  if (imp.uid !== undefined) h['impersonate-uid'] = imp.uid;
  if (imp.groups.length > 0) h['impersonate-group'] = imp.groups;
  for (const [k, v] of Object.entries(imp.extra)) h[`impersonate-extra-${encodeURIComponent(k)}`] = v;
  return h;
}

/**
 * Inside a pod: the API server from KUBERNETES_SERVICE_HOST/PORT, the ServiceAccount's CA and namespace,
 * and its token, read again as it rotates. Undefined outside a pod.
 */
export function inClusterConnection(sys: Environment): Connection | undefined {
  const host = sys.env.KUBERNETES_SERVICE_HOST;
  const port = sys.env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) return undefined;
  const dir = sys.serviceAccountDir;
  const nsFile = join(dir, 'namespace');
  return {
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    ca: readNamed(join(dir, 'ca.crt'), 'the ServiceAccount CA'),
    insecureSkipTlsVerify: false,
    namespace: existsSync(nsFile) ? readFileSync(nsFile, 'utf8').trim() || 'default' : 'default',
    credentials: tokenFileCredentials(join(dir, 'token'), {
      ...(sys.tokenRecheckMs !== undefined && { recheckMs: sys.tokenRecheckMs }),
    }),
  };
}

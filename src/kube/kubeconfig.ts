// Kubeconfig files as data: parsing (with relative paths resolved against the file's folder), merging a
// `$KUBECONFIG` list the way kubectl does, and selecting a context. Pure: the caller reads the files.
import { createRequire } from 'node:module';
import { dirname, isAbsolute, resolve, sep } from 'node:path';
import type * as Yaml from 'yaml';
import { arr, isObject, obj, str, type JsonObject } from '../common/json.ts';

export interface ClusterEntry {
  server: string;
  /** A file path, absolute. */
  certificateAuthority?: string;
  /** Base64 of PEM. */
  certificateAuthorityData?: string;
  insecureSkipTlsVerify: boolean;
  tlsServerName?: string;
  proxyUrl?: string;
  /** The `client.authentication.k8s.io/exec` extension, passed to exec plugins with provideClusterInfo. */
  execExtension?: unknown;
}

export type InteractiveMode = 'Never' | 'IfAvailable' | 'Always';

export interface ExecConfig {
  apiVersion: string;
  /** A bare name (looked up on PATH) or a path, absolute when it was relative to the kubeconfig. */
  command: string;
  args: string[];
  env: { name: string; value: string }[];
  installHint?: string;
  provideClusterInfo: boolean;
  interactiveMode: InteractiveMode;
}

export interface UserEntry {
  token?: string;
  tokenFile?: string;
  clientCertificate?: string;
  clientCertificateData?: string;
  clientKey?: string;
  clientKeyData?: string;
  username?: string;
  password?: string;
  exec?: ExecConfig;
  /** The name of a legacy auth-provider (unsupported; reported when selected). */
  authProvider?: string;
  impersonate?: { user?: string; uid?: string; groups: string[]; extra: Record<string, string[]> };
}

export interface ContextEntry {
  cluster: string;
  user: string;
  namespace?: string;
}

export interface Kubeconfig {
  /** The files it was read from, for messages. */
  files: string[];
  clusters: Map<string, ClusterEntry>;
  users: Map<string, UserEntry>;
  contexts: Map<string, ContextEntry>;
  currentContext?: string;
}

export interface Selection {
  context: string;
  clusterName: string;
  cluster: ClusterEntry;
  /** '' for a context without a user (anonymous). */
  userName: string;
  user: UserEntry;
  namespace?: string;
}

// The YAML parser (about 14 MB) is loaded on the first kubeconfig read: a pod on its ServiceAccount never needs it.
const requireLazily = createRequire(import.meta.url);
const parseYaml = (text: string): unknown => (requireLazily('yaml') as typeof Yaml).parse(text);

const opt = (v: unknown): string | undefined => (str(v) === '' ? undefined : str(v));

function named(doc: JsonObject, list: string, field: string): [string, JsonObject][] {
  const out: [string, JsonObject][] = [];
  for (const item of arr(doc[list])) {
    const name = str(obj(item)?.name);
    if (name !== undefined) out.push([name, obj(obj(item)?.[field]) ?? {}]);
  }
  return out;
}

function parseExec(e: JsonObject, path: (p: string | undefined) => string | undefined): ExecConfig {
  const apiVersion = str(e.apiVersion) ?? '';
  const command = str(e.command) ?? '';
  const mode = str(e.interactiveMode);
  return {
    apiVersion,
    // A command with a path separator is relative to the kubeconfig; a bare name is looked up on PATH.
    command: command.includes(sep) ? (path(command) ?? command) : command,
    args: arr(e.args).map(String),
    env: arr(e.env).flatMap((v) => {
      const name = str(obj(v)?.name);
      return name === undefined ? [] : [{ name, value: str(obj(v)?.value) ?? '' }];
    }),
    ...(opt(e.installHint) !== undefined && { installHint: opt(e.installHint) }),
    provideClusterInfo: e.provideClusterInfo === true,
    // v1 requires the field; v1beta1 defaulted it to IfAvailable.
    interactiveMode: mode === 'Never' || mode === 'Always' ? mode : 'IfAvailable',
  };
}

function parseUser(u: JsonObject, path: (p: string | undefined) => string | undefined): UserEntry {
  const user: UserEntry = {};
  const set = <K extends keyof UserEntry>(k: K, v: UserEntry[K] | undefined): void => {
    if (v !== undefined) user[k] = v;
  };
  set('token', opt(u.token));
  set('tokenFile', path(opt(u.tokenFile)));
  set('clientCertificate', path(opt(u['client-certificate'])));
  set('clientCertificateData', opt(u['client-certificate-data']));
  set('clientKey', path(opt(u['client-key'])));
  set('clientKeyData', opt(u['client-key-data']));
  set('username', opt(u.username));
  set('password', opt(u.password));
  if (isObject(u.exec)) user.exec = parseExec(u.exec, path);
  if (isObject(u['auth-provider'])) user.authProvider = str(u['auth-provider'].name) ?? 'unnamed';
  const as = opt(u.as);
  const groups = arr(u['as-groups']).map(String);
  const extra = Object.entries(obj(u['as-user-extra']) ?? {}).map(([k, v]) => [k, arr(v).map(String)]);
  if (as !== undefined || groups.length > 0) {
    user.impersonate = { groups, extra: Object.fromEntries(extra) as Record<string, string[]> };
    if (as !== undefined) user.impersonate.user = as;
    if (opt(u['as-uid']) !== undefined) user.impersonate.uid = opt(u['as-uid']);
  }
  return user;
}

/** One kubeconfig file's content; `file` anchors its relative paths and names it in errors. */
export function parseKubeconfig(text: string, file: string): Kubeconfig {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    // The parser's message quotes the offending line, which may hold a credential: give its position only,
    // and leave the parser's error out of the chain.
    const pos = (err as { linePos?: { line: number; col: number }[] }).linePos?.[0];
    // eslint-disable-next-line preserve-caught-error
    throw new Error(
      `kubeconfig ${file} is not valid YAML${pos ? ` (line ${pos.line}, column ${pos.col})` : ''}`,
    );
  }
  if (doc === null || doc === undefined) doc = {};
  if (!isObject(doc)) throw new Error(`kubeconfig ${file} is not a YAML mapping`);
  const base = dirname(resolve(file));
  const path = (p: string | undefined): string | undefined =>
    p === undefined || isAbsolute(p) ? p : resolve(base, p);
  const cfg: Kubeconfig = { files: [file], clusters: new Map(), users: new Map(), contexts: new Map() };
  for (const [name, c] of named(doc, 'clusters', 'cluster')) {
    const entry: ClusterEntry = {
      server: str(c.server) ?? '',
      insecureSkipTlsVerify: c['insecure-skip-tls-verify'] === true,
    };
    if (opt(c['certificate-authority'])) entry.certificateAuthority = path(opt(c['certificate-authority']));
    if (opt(c['certificate-authority-data']))
      entry.certificateAuthorityData = opt(c['certificate-authority-data']);
    if (opt(c['tls-server-name'])) entry.tlsServerName = opt(c['tls-server-name']);
    if (opt(c['proxy-url'])) entry.proxyUrl = opt(c['proxy-url']);
    const ext = arr(c.extensions).find((e) => str(obj(e)?.name) === 'client.authentication.k8s.io/exec');
    if (ext !== undefined) entry.execExtension = obj(ext)?.extension;
    cfg.clusters.set(name, entry);
  }
  for (const [name, u] of named(doc, 'users', 'user')) cfg.users.set(name, parseUser(u, path));
  for (const [name, c] of named(doc, 'contexts', 'context')) {
    const ctx: ContextEntry = { cluster: str(c.cluster) ?? '', user: str(c.user) ?? '' };
    if (opt(c.namespace)) ctx.namespace = opt(c.namespace);
    cfg.contexts.set(name, ctx);
  }
  const current = opt(doc['current-context']);
  if (current !== undefined) cfg.currentContext = current;
  return cfg;
}

/** kubectl's merge of a `$KUBECONFIG` list: the first file to name a cluster, user or context wins. */
export function mergeKubeconfigs(configs: Kubeconfig[]): Kubeconfig {
  const out: Kubeconfig = { files: [], clusters: new Map(), users: new Map(), contexts: new Map() };
  for (const c of configs) {
    out.files.push(...c.files);
    for (const key of ['clusters', 'users', 'contexts'] as const) {
      const into = out[key] as Map<string, unknown>;
      for (const [name, v] of c[key] as Map<string, unknown>) if (!into.has(name)) into.set(name, v);
    }
    out.currentContext ??= c.currentContext;
  }
  return out;
}

/** The context `name` (default: the current-context) with its cluster and user; errors name what is missing. */
export function selectContext(cfg: Kubeconfig, name?: string): Selection {
  const where = `kubeconfig ${cfg.files.join(':')}`;
  const contextName = name ?? cfg.currentContext;
  if (contextName === undefined) {
    throw new Error(
      `${where} has no current-context; choose one of: ${[...cfg.contexts.keys()].join(', ') || '(none)'}`,
    );
  }
  const ctx = cfg.contexts.get(contextName);
  if (!ctx) {
    throw new Error(
      `${where} has no context "${contextName}"; it has: ${[...cfg.contexts.keys()].join(', ') || '(none)'}`,
    );
  }
  const cluster = cfg.clusters.get(ctx.cluster);
  if (!cluster)
    throw new Error(
      `${where}: context "${contextName}" names cluster "${ctx.cluster}", which is not defined`,
    );
  if (!cluster.server) throw new Error(`${where}: cluster "${ctx.cluster}" has no server`);
  let user: UserEntry = {};
  if (ctx.user !== '') {
    const u = cfg.users.get(ctx.user);
    if (!u)
      throw new Error(`${where}: context "${contextName}" names user "${ctx.user}", which is not defined`);
    user = u;
  }
  const sel: Selection = {
    context: contextName,
    clusterName: ctx.cluster,
    cluster,
    userName: ctx.user,
    user,
  };
  if (ctx.namespace !== undefined) sel.namespace = ctx.namespace;
  return sel;
}

import type {
  V1Container,
  V1EnvVar,
  V1Pod,
  V1ObjectFieldSelector,
  V1ResourceFieldSelector,
} from '@kubernetes/client-node';

/** Reads the objects a pod's env refers to; undefined when the object or key does not exist. */
export interface EnvSources {
  secret(namespace: string, name: string): Promise<Record<string, string> | undefined>;
  configMap(namespace: string, name: string): Promise<Record<string, string> | undefined>;
}

/** A reference the container needs but cannot have yet: the kubelet's CreateContainerConfigError. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** The value of a downward-API field path, as the kubelet renders it. */
export function fieldValue(pod: V1Pod, sel: V1ObjectFieldSelector): string {
  const path = sel.fieldPath;
  const meta = pod.metadata ?? {};
  const mapEntry = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (mapEntry) {
    const map = (mapEntry[1] === 'labels' ? meta.labels : meta.annotations) ?? {};
    return map[mapEntry[2] ?? ''] ?? '';
  }
  switch (path) {
    case 'metadata.name':
      return meta.name ?? '';
    case 'metadata.namespace':
      return meta.namespace ?? '';
    case 'metadata.uid':
      return meta.uid ?? '';
    case 'metadata.labels':
    case 'metadata.annotations': {
      const map = (path === 'metadata.labels' ? meta.labels : meta.annotations) ?? {};
      return Object.keys(map)
        .sort()
        .map((k) => `${k}=${JSON.stringify(map[k])}`)
        .join('\n');
    }
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? '';
    case 'status.hostIP':
    case 'status.podIP':
      return '127.0.0.1';
    case 'status.hostIPs':
    case 'status.podIPs':
      return '127.0.0.1';
    default:
      throw new ConfigError(`unsupported fieldRef.fieldPath "${path}"`);
  }
}

/** A resource request or limit for resourceFieldRef, divided by its divisor (default 1) and rounded up. */
export function resourceValue(container: V1Container, sel: V1ResourceFieldSelector): string {
  const [kind, res] = sel.resource.split('.') as [string, string];
  const table = kind === 'limits' ? container.resources?.limits : container.resources?.requests;
  const raw = table?.[res];
  if (raw === undefined) return '0';
  const divisor = parseQuantity(String(sel.divisor ?? '1'));
  return String(Math.ceil(parseQuantity(String(raw)) / (divisor || 1)));
}

const SUFFIX: Record<string, number> = {
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

function parseQuantity(q: string): number {
  const m = /^([0-9.]+)([a-zA-Z]*)$/.exec(q.trim());
  if (!m) return 0;
  return Number(m[1]) * (m[2] ? (SUFFIX[m[2]] ?? 1) : 1);
}

/**
 * Expands `$(NAME)` from vars as the kubelet does: `$$` is a literal `$`, and a reference to an
 * undefined name stays as written.
 */
export function expandVars(input: string, vars: Record<string, string>): string {
  return input.replace(/\$\$|\$\(([-._a-zA-Z][-._a-zA-Z0-9]*)\)/g, (match, name: string | undefined) => {
    if (match === '$$') return '$';
    return name !== undefined && Object.hasOwn(vars, name) ? (vars[name] ?? '') : match;
  });
}

/** The container's environment from envFrom, then env (later entries win), with $(VAR) expansion. */
export async function resolveEnv(
  pod: V1Pod,
  container: V1Container,
  sources: EnvSources,
): Promise<Record<string, string>> {
  const ns = pod.metadata?.namespace ?? 'default';
  const out: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    let data: Record<string, string> | undefined;
    if (from.configMapRef) {
      data = await sources.configMap(ns, from.configMapRef.name ?? '');
      if (!data && !from.configMapRef.optional)
        throw new ConfigError(`configmap "${from.configMapRef.name}" not found`);
    } else if (from.secretRef) {
      data = await sources.secret(ns, from.secretRef.name ?? '');
      if (!data && !from.secretRef.optional)
        throw new ConfigError(`secret "${from.secretRef.name}" not found`);
    }
    for (const [k, v] of Object.entries(data ?? {})) {
      if (ENV_NAME.test(prefix + k)) out[prefix + k] = v;
    }
  }
  for (const e of container.env ?? []) {
    const v = await envValue(pod, container, e, out, sources);
    if (v !== undefined) out[e.name] = v;
  }
  return out;
}

async function envValue(
  pod: V1Pod,
  container: V1Container,
  e: V1EnvVar,
  defined: Record<string, string>,
  sources: EnvSources,
): Promise<string | undefined> {
  const ns = pod.metadata?.namespace ?? 'default';
  if (!e.valueFrom) return expandVars(e.value ?? '', defined);
  const { secretKeyRef, configMapKeyRef, fieldRef, resourceFieldRef } = e.valueFrom;
  if (secretKeyRef) {
    const data = await sources.secret(ns, secretKeyRef.name ?? '');
    const v = data?.[secretKeyRef.key];
    if (v === undefined && !secretKeyRef.optional) {
      throw new ConfigError(
        `env ${e.name}: secret "${secretKeyRef.name}" ${data ? `has no key "${secretKeyRef.key}"` : 'not found'}`,
      );
    }
    return v;
  }
  if (configMapKeyRef) {
    const data = await sources.configMap(ns, configMapKeyRef.name ?? '');
    const v = data?.[configMapKeyRef.key];
    if (v === undefined && !configMapKeyRef.optional) {
      throw new ConfigError(
        `env ${e.name}: configmap "${configMapKeyRef.name}" ${data ? `has no key "${configMapKeyRef.key}"` : 'not found'}`,
      );
    }
    return v;
  }
  if (fieldRef) return fieldValue(pod, fieldRef);
  if (resourceFieldRef) return resourceValue(container, resourceFieldRef);
  return '';
}

import { chmodSync, closeSync, mkdirSync, openSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import type {
  V1DownwardAPIVolumeFile,
  V1HostPathVolumeSource,
  V1KeyToPath,
  V1Pod,
  V1Volume,
} from '@kubernetes/client-node';
import { ConfigError, fieldValue, resourceValue, type EnvSources } from './env.ts';

/** What volumes need from the cluster besides Secrets and ConfigMaps. */
export interface VolumeSources extends EnvSources {
  /** A TokenRequest token for the pod's ServiceAccount, bound to the pod. */
  token(pod: V1Pod, audience: string | undefined, expirationSeconds: number | undefined): Promise<string>;
}

function writeInside(root: string, rel: string, content: string | Buffer, mode: number): void {
  const target = normalize(join(root, rel));
  if (!target.startsWith(normalize(root) + '/'))
    throw new ConfigError(`volume item path "${rel}" escapes its volume`);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, content, { mode });
  chmodSync(target, mode);
}

function writeItems(
  root: string,
  data: Record<string, string>,
  items: V1KeyToPath[] | undefined,
  defaultMode: number,
  what: string,
): void {
  if (!items?.length) {
    for (const [k, v] of Object.entries(data)) writeInside(root, k, v, defaultMode);
    return;
  }
  for (const item of items) {
    const v = data[item.key];
    if (v === undefined) throw new ConfigError(`${what} has no key "${item.key}"`);
    writeInside(root, item.path, v, item.mode ?? defaultMode);
  }
}

/** Writes the downward-API files: pod fields, and resource values of a named container. */
function writeDownward(
  root: string,
  pod: V1Pod,
  items: V1DownwardAPIVolumeFile[] | undefined,
  defaultMode: number,
): void {
  for (const item of items ?? []) {
    let value: string;
    if (item.fieldRef) {
      value = fieldValue(pod, item.fieldRef);
    } else if (item.resourceFieldRef) {
      const name = item.resourceFieldRef.containerName;
      const container = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find(
        (c) => c.name === name,
      );
      if (!container) throw new ConfigError(`downwardAPI item "${item.path}": no container "${name ?? ''}"`);
      value = resourceValue(container, item.resourceFieldRef);
    } else {
      continue;
    }
    writeInside(root, item.path, value, item.mode ?? defaultMode);
  }
}

/**
 * The host path of a hostPath volume after the kubelet's type check: `DirectoryOrCreate` and
 * `FileOrCreate` create what is missing, `Directory` and `File` require it, no type checks nothing.
 */
function hostPathVolume(src: V1HostPathVolumeSource): string {
  const path = src.path;
  const kind = (() => {
    try {
      const st = statSync(path);
      return st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other';
    } catch {
      return 'missing';
    }
  })();
  switch (src.type ?? '') {
    case 'DirectoryOrCreate':
      if (kind === 'missing') mkdirSync(path, { recursive: true, mode: 0o755 });
      else if (kind !== 'dir') throw new ConfigError(`hostPath ${path} exists and is not a directory`);
      break;
    case 'Directory':
      if (kind !== 'dir') throw new ConfigError(`hostPath ${path} is not a directory`);
      break;
    case 'FileOrCreate':
      if (kind === 'missing') {
        mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
        closeSync(openSync(path, 'a', 0o644));
      } else if (kind !== 'file') throw new ConfigError(`hostPath ${path} exists and is not a file`);
      break;
    case 'File':
      if (kind !== 'file') throw new ConfigError(`hostPath ${path} is not a file`);
      break;
    case '':
      break;
    default:
      if (kind === 'missing') throw new ConfigError(`hostPath ${path} does not exist`);
  }
  return path;
}

async function required(
  get: Promise<Record<string, string> | undefined>,
  optional: boolean | undefined,
  what: string,
): Promise<Record<string, string> | undefined> {
  const data = await get;
  if (!data && !optional) throw new ConfigError(`${what} not found`);
  return data;
}

/**
 * Creates the host directory of one pod volume and fills it as the kubelet would. Returns the host
 * path the volume's mounts point at. Secret files are written with their requested modes (default
 * 0644 as in Kubernetes, but inside a 0700 pod directory).
 */
export async function materializeVolume(
  pod: V1Pod,
  vol: V1Volume,
  podDir: string,
  src: VolumeSources,
): Promise<string> {
  const ns = pod.metadata?.namespace ?? 'default';
  if (vol.hostPath) return hostPathVolume(vol.hostPath);
  const root = join(podDir, 'volumes', vol.name);
  mkdirSync(root, { recursive: true, mode: 0o755 });
  if (vol.emptyDir) return root;
  if (vol.secret) {
    const name = vol.secret.secretName ?? '';
    const data = await required(src.secret(ns, name), vol.secret.optional, `secret "${name}"`);
    if (data) writeItems(root, data, vol.secret.items, vol.secret.defaultMode ?? 0o644, `secret "${name}"`);
    return root;
  }
  if (vol.configMap) {
    const name = vol.configMap.name ?? '';
    const data = await required(src.configMap(ns, name), vol.configMap.optional, `configmap "${name}"`);
    if (data)
      writeItems(root, data, vol.configMap.items, vol.configMap.defaultMode ?? 0o644, `configmap "${name}"`);
    return root;
  }
  if (vol.downwardAPI) {
    writeDownward(root, pod, vol.downwardAPI.items, vol.downwardAPI.defaultMode ?? 0o644);
    return root;
  }
  if (vol.projected) {
    const mode = vol.projected.defaultMode ?? 0o644;
    for (const s of vol.projected.sources ?? []) {
      if (s.serviceAccountToken) {
        const t = s.serviceAccountToken;
        writeInside(root, t.path, await src.token(pod, t.audience, t.expirationSeconds), 0o600);
      } else if (s.configMap) {
        const name = s.configMap.name ?? '';
        const data = await required(src.configMap(ns, name), s.configMap.optional, `configmap "${name}"`);
        if (data) writeItems(root, data, s.configMap.items, mode, `configmap "${name}"`);
      } else if (s.secret) {
        const name = s.secret.name ?? '';
        const data = await required(src.secret(ns, name), s.secret.optional, `secret "${name}"`);
        if (data) writeItems(root, data, s.secret.items, mode, `secret "${name}"`);
      } else if (s.downwardAPI) {
        writeDownward(root, pod, s.downwardAPI.items, mode);
      }
    }
    return root;
  }
  throw new ConfigError(`volume "${vol.name}": this volume type is not supported by the local pod runner`);
}

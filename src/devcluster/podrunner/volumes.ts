import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import type { V1KeyToPath, V1Pod, V1Volume } from '@kubernetes/client-node';
import { ConfigError, fieldValue, type EnvSources } from './env.ts';

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
  if (vol.hostPath) return vol.hostPath.path;
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
    for (const item of vol.downwardAPI.items ?? []) {
      if (item.fieldRef) writeInside(root, item.path, fieldValue(pod, item.fieldRef), item.mode ?? 0o644);
    }
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
        for (const item of s.downwardAPI.items ?? []) {
          if (item.fieldRef) writeInside(root, item.path, fieldValue(pod, item.fieldRef), item.mode ?? mode);
        }
      }
    }
    return root;
  }
  throw new ConfigError(`volume "${vol.name}": this volume type is not supported by the local pod runner`);
}

// The volumes, mounts and env var that give a Job's container the local BackupStorages it works on (pure).
// Each local storage's volume source is `spec.storage.local` without Cairn's own fields, mounted at its
// `mountPath` (with its `subPath`), so the task finds the data where a KubeStash Job would. The env var
// (src/api/local-storage-roots.ts) tells the task where each storage is in the container; in the dev
// cluster the pod runner rewrites those paths to the host directories it gives the volumes.
import { createHash } from 'node:crypto';
import type { V1EnvVar, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import {
  formatLocalStorageRoots,
  LOCAL_STORAGE_ROOTS_ENV,
  type LocalStorageRoot,
} from '../../api/local-storage-roots.ts';

/** What the builder reads of a BackupStorage. */
export interface StorageForJob {
  namespace: string;
  name: string;
  spec?: { storage?: { provider?: string; local?: Record<string, unknown> } };
}

export interface LocalStorageMounts {
  volumes: V1Volume[];
  mounts: V1VolumeMount[];
  /** One env var when at least one local storage is mounted, else none. */
  env: V1EnvVar[];
  /** Where each storage is mounted, in the order given (what the env var says). */
  roots: LocalStorageRoot[];
}

/** The fields of `spec.storage.local` that are Cairn's, not the volume source's. */
const OWN_FIELDS = new Set(['mountPath', 'subPath', 'maxConnections']);

/** The name of a local storage's volume in a Job: stable, a DNS label, distinct per storage. */
export function localStorageVolumeName(namespace: string, name: string): string {
  return `local-storage-${createHash('sha256').update(`${namespace}/${name}`).digest('hex').slice(0, 12)}`;
}

/**
 * The volumes, mounts and env of the local storages among `storages` (other providers are skipped; a storage
 * listed twice is mounted once). A storage is mounted at its `mountPath`; when an earlier storage or a path
 * in `taken` (the container's other mounts) already holds that path, it goes to `/cairn/local/<ns>/<name>`
 * instead, which the env var then names. A local storage without a volume source or without an absolute
 * mountPath is skipped: the BackupStorage's own validation names that problem.
 */
export function localStorageMounts(
  storages: readonly StorageForJob[],
  taken: readonly string[] = [],
): LocalStorageMounts {
  const out: LocalStorageMounts = { volumes: [], mounts: [], env: [], roots: [] };
  const used = new Set(taken.map(trimSlash));
  const seen = new Set<string>();
  for (const s of storages) {
    const local = s.spec?.storage?.local;
    if (s.spec?.storage?.provider !== 'local' || !local) continue;
    const key = `${s.namespace}/${s.name}`;
    if (seen.has(key)) continue;
    const source = Object.fromEntries(Object.entries(local).filter(([k]) => !OWN_FIELDS.has(k)));
    const mountPath = typeof local.mountPath === 'string' ? trimSlash(local.mountPath) : '';
    if (Object.keys(source).length === 0 || !mountPath.startsWith('/')) continue;
    seen.add(key);
    const path = used.has(mountPath) ? `/cairn/local/${s.namespace}/${s.name}` : mountPath;
    used.add(path);
    const name = localStorageVolumeName(s.namespace, s.name);
    const subPath = typeof local.subPath === 'string' && local.subPath !== '' ? local.subPath : undefined;
    out.volumes.push({ name, ...source });
    out.mounts.push({ name, mountPath: path, ...(subPath ? { subPath } : {}) });
    out.roots.push({ namespace: s.namespace, name: s.name, path });
  }
  if (out.roots.length > 0)
    out.env.push({ name: LOCAL_STORAGE_ROOTS_ENV, value: formatLocalStorageRoots(out.roots) });
  return out;
}

function trimSlash(p: string): string {
  return p.length > 1 ? p.replace(/\/+$/, '') : p;
}

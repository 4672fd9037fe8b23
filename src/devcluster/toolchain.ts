import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, for files shipped beside the source (versions.env). */
export const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

/** The pinned versions of tools/testbin/versions.env, the one place they are written. */
export function pinnedVersions(): Record<string, string> {
  const text = readFileSync(join(projectRoot, 'tools/testbin/versions.env'), 'utf8');
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m?.[1] && m[2] !== undefined) out[m[1]] = m[2];
  }
  return out;
}

/** The cache the Go-built binaries live in (CAIRN_CACHE, default ~/.cache/cairn). */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.CAIRN_CACHE || join(homedir(), '.cache', 'cairn');
}

export interface Binaries {
  etcd: string;
  kubeApiserver: string;
  kubeControllerManager: string;
  kubectl: string;
  restic: string;
  minio: string;
  fakeGcsServer: string;
}

/** Where setup put each binary of the pinned versions; nothing is checked for existence here. */
export function binaryPaths(env: NodeJS.ProcessEnv = process.env): Binaries {
  const v = pinnedVersions();
  const bin = join(cacheDir(env), 'bin');
  const k8s = join(bin, `kubernetes-${v.KUBERNETES_VERSION}`);
  return {
    etcd: join(bin, `etcd-${v.ETCD_VERSION}`, 'etcd'),
    kubeApiserver: join(k8s, 'kube-apiserver'),
    kubeControllerManager: join(k8s, 'kube-controller-manager'),
    kubectl: join(k8s, 'kubectl'),
    restic: join(bin, `restic-${v.RESTIC_VERSION}`, 'restic'),
    minio: join(bin, `minio-${v.MINIO_VERSION}`, 'minio'),
    fakeGcsServer: join(bin, `fake-gcs-server-${v.FAKE_GCS_SERVER_VERSION}`, 'fake-gcs-server'),
  };
}

/** Fails with the fix when a binary the dev cluster needs has not been built yet. */
export function requireBinary(path: string, what: string): string {
  if (!existsSync(path)) {
    throw new Error(`${what} is not built (expected at ${path}); run 'make setup' to build it`);
  }
  return path;
}

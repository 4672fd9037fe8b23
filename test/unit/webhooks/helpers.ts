// Builders for the objects the webhook rules read, and a JSON-patch applier to check mutations by result.
import type { JsonPatchOp } from '../../../src/webhooks/decision.ts';
import type { NamespaceInfo } from '../../../src/api/usage-policy.ts';

export type Obj = Record<string, unknown>;

export function namespace(name: string, labels: Record<string, string> = {}): NamespaceInfo {
  return { name, labels: { 'kubernetes.io/metadata.name': name, ...labels } };
}

export function object(kind: string, ns: string, name: string, spec: Obj, extra: Obj = {}): Obj {
  return { apiVersion: 'v1alpha1', kind, metadata: { namespace: ns, name }, spec, ...extra };
}

export const s3 = (bucket: string, prefix = '', region = 'us-east-1'): Obj => ({
  provider: 's3',
  s3: { bucket, prefix, region, endpoint: 'https://s3.amazonaws.com' },
});

export function storage(ns: string, name: string, spec: Obj = {}, extra: Obj = {}): Obj {
  return object('BackupStorage', ns, name, { storage: s3(`${ns}-${name}`), ...spec }, extra);
}

export function policy(ns: string, name: string, spec: Obj = {}): Obj {
  return object('RetentionPolicy', ns, name, { maxRetentionPeriod: '30d', ...spec });
}

export const same = { allowedNamespaces: { from: 'Same' } };
export const all = { allowedNamespaces: { from: 'All' } };
export const selector = (...names: string[]): Obj => ({
  allowedNamespaces: {
    from: 'Selector',
    selector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: names }] },
  },
});

/** A BackupConfiguration that passes every rule, with `spec` fields replaced by `over`. */
export function backupConfiguration(ns: string, name: string, over: Obj = {}): Obj {
  return object('BackupConfiguration', ns, name, {
    backends: [
      { name: 'main', storageRef: { name: 's3', namespace: ns }, retentionPolicy: { name: 'keep' } },
    ],
    sessions: [
      {
        name: 'frequent',
        scheduler: { schedule: '*/5 * * * *', jobTemplate: {} },
        addon: { name: 'kubedump-addon', tasks: [{ name: 'manifest-backup' }] },
        repositories: [{ name: 'repo', backend: 'main', directory: 'cluster' }],
      },
    ],
    ...over,
  });
}

export function repository(ns: string, name: string, storageRef: Obj, path: string, extra: Obj = {}): Obj {
  return object('Repository', ns, name, { storageRef, path, ...extra });
}

function unescape(s: string): string {
  return s.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** Applies RFC 6902 add/replace/remove/test to a deep copy of `doc`; throws where the API server would fail. */
export function applyPatch(doc: unknown, ops: readonly JsonPatchOp[]): Obj {
  const root = structuredClone(doc) as Obj;
  for (const op of ops) {
    const parts = op.path.split('/').slice(1).map(unescape);
    const last = parts.pop();
    if (last === undefined) throw new Error(`bad path ${op.path}`);
    let cur: unknown = root;
    for (const p of parts) {
      cur = (cur as Record<string, unknown>)[p];
      if (typeof cur !== 'object' || cur === null) throw new Error(`no parent for ${op.path}`);
    }
    const parent = cur as Record<string, unknown>;
    if (op.op === 'test') {
      if (JSON.stringify(parent[last]) !== JSON.stringify(op.value))
        throw new Error(`test failed at ${op.path}`);
    } else if (op.op === 'remove') {
      delete parent[last];
    } else {
      if (op.op === 'replace' && !(last in parent)) throw new Error(`replace of a missing member ${op.path}`);
      parent[last] = structuredClone(op.value);
    }
  }
  return root;
}

// RestoreSession admission: the usage policies of the hook templates it runs.
import { findByKey, keyOf, keyText, resolveRef, type ObjectKey } from '../api/object-meta.ts';
import { usageAllowed, usageRefusal, type NamespaceInfo } from '../api/usage-policy.ts';
import { arr, at, q } from '../common/json.ts';
import { verdict, type Decision, type Denial } from './decision.ts';

const HOOK_LISTS = ['preRestore', 'postRestore'] as const;

/** The HookTemplates a RestoreSession refers to, resolved against its namespace. */
export function restoreSessionHookRefs(object: unknown, namespace: string): ObjectKey[] {
  const out: ObjectKey[] = [];
  for (const list of HOOK_LISTS) {
    for (const h of arr(at(object, 'spec', 'hooks', list))) {
      const k = resolveRef(at(h, 'hookTemplate'), namespace);
      if (k) out.push(k);
    }
  }
  return out;
}

export interface RestoreSessionAdmission {
  namespace: NamespaceInfo;
  object: unknown;
  /** The HookTemplates it refers to (missing ones are absent). */
  hookTemplates: readonly unknown[];
}

/**
 * Every HookTemplate's usage policy must allow the namespace. The data-source rules (snapshot, `latest`
 * needs repository, pitr) concern the object alone and are CEL rules of the CRD.
 */
export function validateRestoreSession(a: RestoreSessionAdmission): Decision {
  const denials: Denial[] = [];
  const warnings: string[] = [];
  for (const list of HOOK_LISTS) {
    arr(at(a.object, 'spec', 'hooks', list)).forEach((h, k) => {
      const field = `spec.hooks.${list}[${k}].hookTemplate`;
      const key = resolveRef(at(h, 'hookTemplate'), a.namespace.name);
      if (!key) return;
      const t = findByKey(a.hookTemplates, key);
      if (!t) {
        warnings.push(`${field}: HookTemplate ${q(keyText(key))} does not exist (yet)`);
        return;
      }
      const holder = { kind: 'HookTemplate', ...keyOf(t), usagePolicy: at(t, 'spec', 'usagePolicy') };
      if (!usageAllowed(holder, a.namespace)) denials.push({ field, ...usageRefusal(holder, a.namespace) });
    });
  }
  return verdict(denials, warnings);
}

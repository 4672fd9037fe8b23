// UsagePolicy: which namespaces may refer to a BackupStorage, RetentionPolicy or HookTemplate. One copy for
// the admission webhooks (which refuse the reference) and the reconcilers (which report it in status).
import { at, q, str } from '../common/json.ts';
import { selectorMatches } from './label-selector.ts';

/** The Namespace object of the namespace that refers to something: its name and labels. */
export interface NamespaceInfo {
  name: string;
  labels: Readonly<Record<string, string>>;
}

/** Where a referenced object lives and the usage policy it declares (`spec.usagePolicy`, may be absent). */
export interface PolicyHolder {
  kind: string;
  namespace: string;
  name: string;
  usagePolicy: unknown;
}

/**
 * The effective `from` of a policy. An absent policy, or one without `allowedNamespaces.from`, counts as
 * `Same`: that is what the defaulting webhook and the CRD default write, so an object created before
 * either existed behaves as if it had been defaulted.
 */
export function usageFrom(policy: unknown): string {
  return str(at(policy, 'allowedNamespaces', 'from')) ?? 'Same';
}

/** True when `holder`'s usage policy lets objects in `referrer` use it. */
export function usageAllowed(holder: PolicyHolder, referrer: NamespaceInfo): boolean {
  switch (usageFrom(holder.usagePolicy)) {
    case 'All':
      return true;
    case 'Same':
      return holder.namespace === referrer.name;
    case 'Selector': {
      const selector = at(holder.usagePolicy, 'allowedNamespaces', 'selector');
      return selector !== undefined && selectorMatches(selector, referrer.labels);
    }
    default:
      return false;
  }
}

/** Why a reference is refused and how to fix it, worded to follow the field that holds the reference. */
export interface UsageRefusal {
  problem: string;
  fix: string;
}

/** Why `holder` does not let `referrer` use it, and what to change; call only when `usageAllowed` is false. */
export function usageRefusal(holder: PolicyHolder, referrer: NamespaceInfo): UsageRefusal {
  const from = usageFrom(holder.usagePolicy);
  const ref = `${holder.kind} ${q(`${holder.namespace}/${holder.name}`)}`;
  const why =
    from === 'Selector'
      ? `(usagePolicy.allowedNamespaces.from: Selector, and the labels of namespace ${q(referrer.name)} do not match its selector)`
      : `(usagePolicy.allowedNamespaces.from: ${from})`;
  return {
    problem: `${ref} does not allow namespace ${q(referrer.name)} ${why}`,
    fix: `add ${q(referrer.name)} to its usagePolicy (from: All, or from: Selector with a selector that matches namespace ${q(referrer.name)}) or use a ${holder.kind} in ${q(referrer.name)}`,
  };
}

// The default BackupStorage and RetentionPolicy of a namespace (§1.5 of the API contract).
import { at, isObject } from '../common/json.ts';
import { keyOf } from './object-meta.ts';
import { selectorMatches } from './label-selector.ts';
import { usageFrom, type NamespaceInfo } from './usage-policy.ts';

/**
 * The default object (`spec.default: true`) that a BackupConfiguration in `referrer` gets, searched in
 * this order: (a) one in the referrer's own namespace whose usage policy is `Same`; (b) one whose
 * `Selector` policy matches the labels of the referrer's Namespace; (c) one whose policy is `All`. Within a
 * step, one in the referrer's own namespace wins, then the first by namespace and name, so the answer does
 * not depend on list order.
 */
export function pickDefault<T>(candidates: readonly T[], referrer: NamespaceInfo): T | undefined {
  const defaults = candidates
    .filter((c) => at(c, 'spec', 'default') === true)
    .sort((x, y) => {
      const a = keyOf(x);
      const b = keyOf(y);
      const own = Number(b.namespace === referrer.name) - Number(a.namespace === referrer.name);
      return own || a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name);
    });
  const policy = (c: T): unknown => at(c, 'spec', 'usagePolicy');
  return (
    defaults.find((c) => keyOf(c).namespace === referrer.name && usageFrom(policy(c)) === 'Same') ??
    defaults.find((c) => {
      const selector = at(policy(c), 'allowedNamespaces', 'selector');
      return (
        usageFrom(policy(c)) === 'Selector' &&
        isObject(selector) &&
        selectorMatches(selector, referrer.labels)
      );
    }) ??
    defaults.find((c) => usageFrom(policy(c)) === 'All')
  );
}

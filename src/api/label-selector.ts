// Kubernetes LabelSelector matching (matchLabels AND matchExpressions), as the API machinery evaluates it.
import { arr, isObject, str } from '../common/json.ts';

/**
 * True when `labels` satisfy `selector`. An empty selector (`{}`) matches everything; a selector that is
 * not an object, or that holds an unknown operator or a malformed requirement, matches nothing, so a broken
 * policy never grants access.
 */
export function selectorMatches(selector: unknown, labels: Readonly<Record<string, string>>): boolean {
  if (!isObject(selector)) return false;
  const matchLabels = selector.matchLabels;
  if (matchLabels !== undefined && matchLabels !== null) {
    if (!isObject(matchLabels)) return false;
    for (const [k, v] of Object.entries(matchLabels)) {
      if (typeof v !== 'string' || labels[k] !== v) return false;
    }
  }
  const expressions = selector.matchExpressions;
  if (expressions !== undefined && expressions !== null && !Array.isArray(expressions)) return false;
  for (const e of arr(expressions)) {
    if (!isObject(e)) return false;
    const key = str(e.key);
    if (!key) return false;
    const values = arr(e.values).filter((v): v is string => typeof v === 'string');
    const has = Object.hasOwn(labels, key);
    switch (e.operator) {
      case 'In':
        if (!has || !values.includes(labels[key] ?? '')) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[key] ?? '')) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

// Defaults shared by several Kinds.
import type { JsonPatchOp } from './decision.ts';
import { isObject, type JsonObject } from '../common/json.ts';

/**
 * Patches that make `spec.usagePolicy.allowedNamespaces.from` present, defaulting to `Same`, without
 * touching what is already set. A usagePolicy of the wrong type is left for the schema to reject.
 */
export function usagePolicyDefaults(spec: JsonObject): JsonPatchOp[] {
  const policy = spec.usagePolicy;
  if (policy === undefined || policy === null) {
    return [{ op: 'add', path: '/spec/usagePolicy', value: { allowedNamespaces: { from: 'Same' } } }];
  }
  if (!isObject(policy)) return [];
  const allowed = policy.allowedNamespaces;
  if (allowed === undefined || allowed === null) {
    return [{ op: 'add', path: '/spec/usagePolicy/allowedNamespaces', value: { from: 'Same' } }];
  }
  if (isObject(allowed) && (allowed.from === undefined || allowed.from === null)) {
    return [{ op: 'add', path: '/spec/usagePolicy/allowedNamespaces/from', value: 'Same' }];
  }
  return [];
}

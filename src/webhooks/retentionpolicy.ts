// RetentionPolicy admission: defaults and the rules that need other objects or code to check.
import {
  parseRetentionPeriod,
  retentionPeriodMinutes,
  RetentionPeriodError,
} from '../api/retention-period.ts';
import { allow, verdict, type Decision, type Denial, type JsonPatchOp } from './decision.ts';
import { usagePolicyDefaults } from './defaults.ts';
import { at, isObject, q } from '../common/json.ts';
import { keyOf, keyText } from '../api/object-meta.ts';

/** Defaults: `usagePolicy.allowedNamespaces.from: Same` and `failedSnapshots: {last: 1}` when absent. */
export function mutateRetentionPolicy(object: unknown): Decision {
  const spec = at(object, 'spec');
  if (!isObject(spec)) return allow();
  const patch: JsonPatchOp[] = [...usagePolicyDefaults(spec)];
  if (spec.failedSnapshots === undefined || spec.failedSnapshots === null) {
    patch.push({ op: 'add', path: '/spec/failedSnapshots', value: { last: 1 } });
  }
  return allow(patch);
}

const KEEP_RULES = ['last', 'hourly', 'daily', 'weekly', 'monthly', 'yearly'] as const;

export interface RetentionPolicyAdmission {
  operation: string;
  namespace: string;
  object: unknown;
  oldObject?: unknown;
  /** The RetentionPolicies of the admitted object's namespace. */
  policies: readonly unknown[];
}

/**
 * A RetentionPolicy must say what to keep: `maxRetentionPeriod` (a valid, positive period) or
 * `successfulSnapshots` with at least one keep rule; one default per namespace.
 */
export function validateRetentionPolicy(a: RetentionPolicyAdmission): Decision {
  const spec = at(a.object, 'spec');
  const denials: Denial[] = [];
  const period = at(spec, 'maxRetentionPeriod');
  const hasPeriod = typeof period === 'string' && period !== '';
  if (hasPeriod) {
    try {
      if (retentionPeriodMinutes(parseRetentionPeriod(period)) <= 0) {
        denials.push({
          field: 'spec.maxRetentionPeriod',
          problem: `${q(period)} is not longer than zero, so every Snapshot would be deleted at once`,
          fix: 'give a positive period such as "30d" or "2mo"',
        });
      }
    } catch (err) {
      if (!(err instanceof RetentionPeriodError)) throw err;
      denials.push({
        field: 'spec.maxRetentionPeriod',
        problem: err.message,
        fix: 'write it as e.g. "30d" or "1y2mo"',
      });
    }
  }
  const successful = at(spec, 'successfulSnapshots');
  const keeps = isObject(successful) && KEEP_RULES.some((k) => typeof successful[k] === 'number');
  if (!hasPeriod && !keeps) {
    denials.push({
      field: 'spec.maxRetentionPeriod',
      problem: isObject(successful)
        ? 'is not set and spec.successfulSnapshots sets no keep rule, so the policy says nothing about what to keep'
        : 'is not set and neither is spec.successfulSnapshots, so the policy says nothing about what to keep',
      fix: 'set spec.maxRetentionPeriod (e.g. "30d") or spec.successfulSnapshots (e.g. last: 5)',
    });
  }

  const wasDefault = a.operation === 'UPDATE' && at(a.oldObject, 'spec', 'default') === true;
  if (at(spec, 'default') === true && !wasDefault) {
    const name = keyOf(a.object).name;
    const other = a.policies.find(
      (p) =>
        keyOf(p).namespace === a.namespace && keyOf(p).name !== name && at(p, 'spec', 'default') === true,
    );
    if (other) {
      denials.push({
        field: 'spec.default',
        problem: `RetentionPolicy ${q(keyText(keyOf(other)))} is already the default in namespace ${q(a.namespace)}, and a namespace has at most one default RetentionPolicy`,
        fix: `set spec.default: false here, or set it to false on ${q(keyOf(other).name)} first`,
      });
    }
  }
  return verdict(denials);
}

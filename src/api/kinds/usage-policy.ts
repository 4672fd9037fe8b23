// Which namespaces may use a shared object (BackupStorage, RetentionPolicy, HookTemplate, BackupBlueprint).
import type { Static } from '@sinclair/typebox';
import { Enum, Obj, Opt } from '../schema/builders.ts';
import { LabelSelector } from './label-selector.ts';

export const NamespacesFrom = ['All', 'Selector', 'Same'] as const;

/** What an absent usagePolicy means for BackupStorage and RetentionPolicy: only their own namespace. */
export const DEFAULT_USAGE_POLICY = { allowedNamespaces: { from: 'Same' } } as const;

/**
 * `spec.usagePolicy`. With `defaultSame`, an absent policy is stored as "same namespace only" (what
 * KubeStash's defaulting webhook does for BackupStorage and RetentionPolicy).
 */
export function UsagePolicy(owner: string, opts: { defaultSame?: boolean } = {}) {
  return Obj(
    {
      allowedNamespaces: Opt(
        Obj(
          {
            from: Opt(
              Enum(
                NamespacesFrom,
                'Which namespaces may use it: All namespaces, the namespaces whose labels match selector, or the Same namespace as the ' +
                  owner,
                { default: 'Same' },
              ),
            ),
            selector: Opt(
              LabelSelector(
                'Selects the allowed namespaces by the labels of the Namespace objects (for a list of names use the key kubernetes.io/metadata.name with operator In). Required when from is Selector',
              ),
            ),
          },
          `The namespaces allowed to use this ${owner}. Without it, no namespace is allowed.`,
          {
            rules: [
              {
                rule: "!has(self.from) || self.from != 'Selector' || has(self.selector)",
                message:
                  'spec.usagePolicy.allowedNamespaces.selector is required when from is Selector: add a selector (e.g. matchLabels) or set from to All or Same',
                fieldPath: '.selector',
                reason: 'FieldValueRequired',
              },
            ],
          },
        ),
      ),
    },
    `Which namespaces may use this ${owner}.`,
    opts.defaultSame ? { default: DEFAULT_USAGE_POLICY } : {},
  );
}
export type UsagePolicy = Static<ReturnType<typeof UsagePolicy>>;

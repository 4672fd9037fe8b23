// RetentionPolicy: how many Snapshots, and how old, a repository keeps.
import type { Static } from '@sinclair/typebox';
import { Bool, Int32, Obj, Opt, Str } from '../schema/builders.ts';
import { AGE_COLUMN } from '../schema/crd.ts';
import type { KindDefinition } from '../schema/crd.ts';
import { ApiVersionField, CATEGORIES, KindField, MetadataField, STORAGE_GROUP } from './meta.ts';
import { UsagePolicy } from './usage-policy.ts';

/**
 * A retention period: one or more `<integer><unit>` with units y (365 days), mo (30 days), w, d, h, m, for
 * example `2mo` or `30d12h30m` (src/api/retention-period.ts reads it).
 */
export const RETENTION_PERIOD_PATTERN = '^(-?[0-9]+(y|mo|w|d|h|m))+$';

const Count = (what: string) => Opt(Int32(what, { minimum: 0 }));

export const RetentionPolicySpec = Obj(
  {
    maxRetentionPeriod: Opt(
      Str('Snapshots older than this are deleted, whatever the counts below say', {
        pattern: RETENTION_PERIOD_PATTERN,
        maxLength: 64,
        hint: 'Written as numbers with units y (365 days), mo (30 days), w, d, h, m, e.g. 2mo or 30d12h30m',
      }),
    ),
    successfulSnapshots: Opt(
      Obj(
        {
          last: Count('Keep the most recent N successful Snapshots.'),
          hourly: Count(
            'Keep the most recent successful Snapshot of each of the last N hours that have one.',
          ),
          daily: Count('Keep the most recent successful Snapshot of each of the last N days that have one.'),
          weekly: Count(
            'Keep the most recent successful Snapshot of each of the last N weeks that have one.',
          ),
          monthly: Count(
            'Keep the most recent successful Snapshot of each of the last N months that have one.',
          ),
          yearly: Count(
            'Keep the most recent successful Snapshot of each of the last N years that have one.',
          ),
        },
        'Which successful Snapshots to keep; a Snapshot kept by any rule is kept.',
      ),
    ),
    failedSnapshots: Opt(
      Obj(
        { last: Opt(Int32('Keep the most recent N failed Snapshots.', { minimum: 0, default: 1 })) },
        'Which failed Snapshots to keep',
        { default: { last: 1 } },
      ),
    ),
    usagePolicy: Opt(UsagePolicy('RetentionPolicy', { defaultSame: true })),
    default: Opt(
      Bool(
        'Use this policy for backends of BackupConfigurations that name none: in this namespace, and in the namespaces its usagePolicy allows. At most one default per namespace',
      ),
    ),
  },
  'How long Snapshots are kept. Needs maxRetentionPeriod, successfulSnapshots, or both.',
  {
    rules: [
      {
        rule: 'has(self.maxRetentionPeriod) || has(self.successfulSnapshots)',
        message:
          'spec.maxRetentionPeriod or spec.successfulSnapshots is required: set a period such as maxRetentionPeriod: 30d, or counts such as successfulSnapshots: {last: 5}',
        reason: 'FieldValueRequired',
      },
    ],
  },
);
export type RetentionPolicySpec = Static<typeof RetentionPolicySpec>;

export const RetentionPolicy = Obj(
  {
    apiVersion: ApiVersionField(STORAGE_GROUP),
    kind: KindField('RetentionPolicy'),
    metadata: MetadataField(),
    spec: RetentionPolicySpec,
  },
  'A RetentionPolicy says which Snapshots of a repository to keep; the others are deleted after each backup.',
);
export type RetentionPolicy = Static<typeof RetentionPolicy>;

export const RetentionPolicyKind: KindDefinition = {
  group: STORAGE_GROUP,
  kind: 'RetentionPolicy',
  plural: 'retentionpolicies',
  singular: 'retentionpolicy',
  scope: 'Namespaced',
  shortNames: [],
  categories: CATEGORIES,
  statusSubresource: false,
  printerColumns: [
    {
      name: 'Max-Retention-Period',
      type: 'string',
      jsonPath: '.spec.maxRetentionPeriod',
      description: 'Snapshots older than this are deleted.',
    },
    {
      name: 'Default',
      type: 'boolean',
      jsonPath: '.spec.default',
      description: 'Whether this is the default policy.',
    },
    AGE_COLUMN,
  ],
  schema: RetentionPolicy,
};

// BackupVerificationSession: one verification of one Snapshot.
import type { Static } from '@sinclair/typebox';
import { Bool, Enum, Int32, Obj, Opt, Str } from '../schema/builders.ts';
import { AGE_COLUMN } from '../schema/crd.ts';
import type { KindDefinition } from '../schema/crd.ts';
import { BackupVerificationSessionPhase } from '../backupverificationsession-phase.ts';
import { Conditions } from './condition.ts';
import { ApiVersionField, CATEGORIES_WITH_ALL, CORE_GROUP, KindField, MetadataField } from './meta.ts';
import { TypedLocalObjectReference } from './references.ts';

export const BackupVerificationSessionSpec = Obj(
  {
    invoker: TypedLocalObjectReference('The BackupConfiguration whose repository is verified.'),
    session: Opt(Str('The session of the BackupConfiguration.')),
    repository: Opt(Str('The Repository whose Snapshot is verified.')),
    snapshot: Opt(Str('The Snapshot that is verified.')),
    retryLeft: Opt(Int32('How many retries remain if this verification fails.', { minimum: 0 })),
  },
  'Which Snapshot is verified. Cannot be changed after creation.',
  {
    rules: [
      {
        rule: 'self == oldSelf',
        message:
          'spec of a BackupVerificationSession cannot be changed after creation: create a new BackupVerificationSession instead',
      },
    ],
  },
);
export type BackupVerificationSessionSpec = Static<typeof BackupVerificationSessionSpec>;

export const BackupVerificationSessionStatus = Obj(
  {
    phase: Opt(
      Enum(
        Object.values(BackupVerificationSessionPhase),
        'Phase of the verification, derived from its conditions.',
      ),
    ),
    duration: Opt(Str('How long the verification took.')),
    retried: Opt(Bool('Whether a retry of this verification was created.')),
    conditions: Opt(Conditions('Steps of the verification, ending with VerificationSessionHistoryCleaned.')),
  },
  'Progress and outcome of the verification.',
);
export type BackupVerificationSessionStatus = Static<typeof BackupVerificationSessionStatus>;

export const BackupVerificationSession = Obj(
  {
    apiVersion: ApiVersionField(CORE_GROUP),
    kind: KindField('BackupVerificationSession'),
    metadata: MetadataField(),
    spec: BackupVerificationSessionSpec,
    status: Opt(BackupVerificationSessionStatus),
  },
  'A BackupVerificationSession is one run of a BackupVerifier on one Snapshot: a restore and, for Query and Script verifiers, a check of the restored data.',
);
export type BackupVerificationSession = Static<typeof BackupVerificationSession>;

export const BackupVerificationSessionKind: KindDefinition = {
  group: CORE_GROUP,
  kind: 'BackupVerificationSession',
  plural: 'backupverificationsession',
  singular: 'backupverificationsession',
  scope: 'Namespaced',
  shortNames: [],
  categories: CATEGORIES_WITH_ALL,
  statusSubresource: true,
  printerColumns: [
    {
      name: 'Phase',
      type: 'string',
      jsonPath: '.status.phase',
      description: 'Running, Succeeded, Failed or Skipped.',
    },
    {
      name: 'Duration',
      type: 'string',
      jsonPath: '.status.duration',
      description: 'How long the verification took.',
    },
    AGE_COLUMN,
  ],
  schema: BackupVerificationSession,
};

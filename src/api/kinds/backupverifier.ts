// BackupVerifier: how to check, on a schedule, that the Snapshots of a repository can be restored.
import type { Static } from '@sinclair/typebox';
import { Enum, FreeForm, Int32, Obj, Opt, Str, StringList } from '../schema/builders.ts';
import { AGE_COLUMN } from '../schema/crd.ts';
import type { KindDefinition } from '../schema/crd.ts';
import { AddonInfo } from './addon-info.ts';
import { VolumeMounts, Volumes } from './k8s/volume.ts';
import { ApiVersionField, CATEGORIES_WITH_ALL, CORE_GROUP, KindField, MetadataField } from './meta.ts';
import { TypedObjectReference } from './references.ts';
import { RetryConfig } from './retry-config.ts';
import { RuntimeSettings } from './runtime-settings.ts';
import { SchedulerSpec } from './scheduler.ts';

export const VerificationTypes = ['RestoreOnly', 'Query', 'Script'] as const;

export const BackupVerifierSpec = Obj(
  {
    type: Enum(
      VerificationTypes,
      'How a Snapshot is verified: RestoreOnly succeeds when the restore succeeds; Query also runs the queries in query; Script also runs the script in script.',
    ),
    restoreOption: Obj(
      {
        target: Opt(
          TypedObjectReference(
            'Where the Snapshot is restored for the check, e.g. a scratch database or namespace.',
          ),
        ),
        addonInfo: AddonInfo(
          'The Addon and restore tasks used for the verification restore.',
          'spec.restoreOption.addonInfo',
          'manifest-restore',
        ),
      },
      'How the Snapshot is restored for the check.',
      {
        requiredByRule: [
          {
            field: 'addonInfo',
            message:
              'spec.restoreOption.addonInfo is required: name the Addon and its restore task, e.g. {name: kubedump-addon, tasks: [{name: manifest-restore}]}',
          },
        ],
      },
    ),
    scheduler: SchedulerSpec('When verifications run: the CronJob that triggers them.', 'verification'),
    function: Opt(
      Str(
        'The Function whose image runs the query or the script (e.g. kubedbverifier). Required for Query and Script.',
      ),
    ),
    query: Opt(
      FreeForm(
        'The checks of type Query, by database kind (mySQL, mariaDB, postgres, mongoDB, elasticsearch, redis, singlestore, mssqlServer), e.g. mySQL: [{database, table, rowCount: {operator: GreaterThanOrEqual, value: 100}}]. Kept as written',
      ),
    ),
    script: Opt(
      Obj(
        {
          location: Opt(
            Str('Absolute path of the script inside the verifier pod, e.g. a file of a mounted ConfigMap.'),
          ),
          args: Opt(StringList('Arguments passed to the script.')),
        },
        'The check of type Script: a script that exits 0 when the restored data is right.',
      ),
    ),
    volumes: Opt(Volumes('Volumes of the verifier pod, e.g. a ConfigMap holding the script.')),
    volumeMounts: Opt(VolumeMounts('Where those volumes are mounted in the verifier container.')),
    retryConfig: Opt(RetryConfig('How a failed verification is retried.')),
    sessionHistoryLimit: Opt(
      Int32('How many finished BackupVerificationSessions to keep.', { minimum: 0, default: 1 }),
    ),
    runtimeSettings: Opt(RuntimeSettings('Pod and container settings of the verifier Job.')),
  },
  'How and when Snapshots are verified.',
  {
    requiredByRule: [
      { field: 'type', message: 'spec.type is required: set RestoreOnly, Query or Script' },
      {
        field: 'restoreOption',
        message:
          'spec.restoreOption is required: say how the Snapshot is restored for the check (addonInfo and, optionally, target)',
      },
      {
        field: 'scheduler',
        message:
          'spec.scheduler is required: add scheduler.schedule (a cron expression such as "0 3 * * *") and scheduler.jobTemplate (may be {})',
      },
    ],
    rules: [
      {
        rule: "!has(self.type) || self.type != 'Query' || has(self.query)",
        message:
          'spec.query is required when spec.type is Query: add the queries to run, e.g. mySQL: [{database, table, rowCount}]',
        fieldPath: '.query',
        reason: 'FieldValueRequired',
      },
      {
        rule: "!has(self.type) || self.type != 'Script' || (has(self.script) && has(self.script.location))",
        message:
          'spec.script.location is required when spec.type is Script: give the absolute path of the script in the verifier pod',
        fieldPath: '.script',
        reason: 'FieldValueRequired',
      },
      {
        rule: "!has(self.type) || self.type == 'RestoreOnly' || has(self.function)",
        message:
          'spec.function is required when spec.type is Query or Script: name the Function that runs the check, e.g. kubedbverifier',
        fieldPath: '.function',
        reason: 'FieldValueRequired',
      },
    ],
  },
);
export type BackupVerifierSpec = Static<typeof BackupVerifierSpec>;

export const BackupVerifier = Obj(
  {
    apiVersion: ApiVersionField(CORE_GROUP),
    kind: KindField('BackupVerifier'),
    metadata: MetadataField(),
    spec: BackupVerifierSpec,
  },
  'A BackupVerifier checks, on its own schedule, that the latest Snapshot of each repository that names it can be restored (and, with Query or Script, that the restored data is right).',
);
export type BackupVerifier = Static<typeof BackupVerifier>;

export const BackupVerifierKind: KindDefinition = {
  group: CORE_GROUP,
  kind: 'BackupVerifier',
  plural: 'backupverifier',
  singular: 'backupverifier',
  scope: 'Namespaced',
  shortNames: [],
  categories: CATEGORIES_WITH_ALL,
  statusSubresource: false,
  printerColumns: [AGE_COLUMN],
  schema: BackupVerifier,
};

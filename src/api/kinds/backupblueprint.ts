// BackupBlueprint: a BackupConfiguration template applied automatically to annotated targets.
import type { Static } from '@sinclair/typebox';
import { Enum, List, Obj, Opt, Str } from '../schema/builders.ts';
import { AGE_COLUMN } from '../schema/crd.ts';
import type { KindDefinition } from '../schema/crd.ts';
import { ApiVersionField, CATEGORIES_WITH_ALL, CORE_GROUP, KindField, MetadataField } from './meta.ts';
import { Backends, Sessions, backendRefRule } from './session.ts';
import { UsagePolicy } from './usage-policy.ts';

const TEMPLATE = 'spec.backupConfigurationTemplate';

export const BackupBlueprintSpec = Obj(
  {
    backupConfigurationTemplate: Opt(
      Obj(
        {
          namespace: Opt(
            Str('Namespace to create the BackupConfigurations in; the namespace of the target when empty.'),
          ),
          backends: Opt(Backends(`${TEMPLATE}.backends`)),
          sessions: Opt(Sessions(`${TEMPLATE}.sessions`, true)),
          deletionPolicy: Opt(
            Enum(
              ['OnDelete'],
              'OnDelete deletes a BackupConfiguration created from the blueprint when its target is deleted.',
            ),
          ),
        },
        'The BackupConfiguration to create for each target. Values may use ${variables} filled from the target and its variables.kubestash.com/<name> annotations.',
        { rules: [backendRefRule(`${TEMPLATE}.backends`, `${TEMPLATE}.sessions`)] },
      ),
    ),
    subjects: Opt(
      List(
        Obj(
          {
            apiVersion: Opt(Str('API version of the kind, e.g. apps/v1.')),
            kind: Opt(Str('The kind, e.g. Deployment.')),
          },
          'A kind of target.',
        ),
        'The kinds of targets the blueprint applies to; a target opts in with the blueprint.kubestash.com/name and /namespace annotations.',
      ),
    ),
    usagePolicy: Opt(UsagePolicy('BackupBlueprint')),
  },
  'The template and the targets it applies to.',
);
export type BackupBlueprintSpec = Static<typeof BackupBlueprintSpec>;

export const BackupBlueprint = Obj(
  {
    apiVersion: ApiVersionField(CORE_GROUP),
    kind: KindField('BackupBlueprint'),
    metadata: MetadataField(),
    spec: BackupBlueprintSpec,
  },
  'A BackupBlueprint creates a BackupConfiguration from a template for every target that opts in with annotations.',
);
export type BackupBlueprint = Static<typeof BackupBlueprint>;

export const BackupBlueprintKind: KindDefinition = {
  group: CORE_GROUP,
  kind: 'BackupBlueprint',
  plural: 'backupblueprints',
  singular: 'backupblueprint',
  scope: 'Namespaced',
  shortNames: [],
  categories: CATEGORIES_WITH_ALL,
  statusSubresource: false,
  printerColumns: [AGE_COLUMN],
  schema: BackupBlueprint,
};

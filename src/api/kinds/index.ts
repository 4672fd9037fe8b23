// Every Kind Cairn serves, in the order of the API reference. tools/gen-crds.ts writes one CRD per entry.
import type { KindDefinition } from '../schema/crd.ts';
import { AddonKind } from './addon.ts';
import { BackupBlueprintKind } from './backupblueprint.ts';
import { BackupConfigurationKind } from './backupconfiguration.ts';
import { BackupSessionKind } from './backupsession.ts';
import { BackupStorageKind } from './backupstorage.ts';
import { BackupVerificationSessionKind } from './backupverificationsession.ts';
import { BackupVerifierKind } from './backupverifier.ts';
import { FunctionKind } from './function.ts';
import { HookTemplateKind } from './hooktemplate.ts';
import { RepositoryKind } from './repository.ts';
import { RestoreSessionKind } from './restoresession.ts';
import { RetentionPolicyKind } from './retentionpolicy.ts';
import { SnapshotKind } from './snapshot.ts';

export const ALL_KINDS: readonly KindDefinition[] = [
  BackupStorageKind,
  RetentionPolicyKind,
  RepositoryKind,
  SnapshotKind,
  BackupConfigurationKind,
  BackupSessionKind,
  RestoreSessionKind,
  BackupVerifierKind,
  BackupVerificationSessionKind,
  BackupBlueprintKind,
  HookTemplateKind,
  AddonKind,
  FunctionKind,
];

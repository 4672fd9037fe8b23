// Every webhook Cairn serves: the resource it admits, its URL path, and how it gathers its inputs (the thin
// I/O part) before calling its pure decide function. Rules about one object alone live in the CRDs' CEL
// (deploy/crds); BackupSession and BackupVerificationSession need no webhook because of that, and neither
// do HookTemplate and BackupBlueprint (their only rule, Selector needs selector, is CEL).
import {
  mutateBackupConfiguration,
  validateBackupConfiguration,
  backupConfigurationRefs,
} from './backupconfiguration.ts';
import { mutateBackupStorage, validateBackupStorage } from './backupstorage.ts';
import { validateBackupVerifier } from './backupverifier.ts';
import type { Decision } from './decision.ts';
import type { ObjectKey } from './object-meta.ts';
import { validateRepository } from './repository.ts';
import * as R from './resources.ts';
import type { Resource } from './resources.ts';
import { restoreSessionHookRefs, validateRestoreSession } from './restoresession.ts';
import { mutateRetentionPolicy, validateRetentionPolicy } from './retentionpolicy.ts';
import type { NamespaceInfo } from './usage-policy.ts';

/** What the webhooks may read from the cluster. Implementations classify and redact their errors. */
export interface ClusterReader {
  /** Every object of a resource, in one namespace or (without one) in all; none when the CRD is absent. */
  list(r: Resource, namespace?: string): Promise<unknown[]>;
  /** One object, or undefined when it (or its CRD) does not exist. */
  get(r: Resource, key: ObjectKey): Promise<unknown>;
  /** The Namespace's name and labels (just its name label when it cannot be found). */
  namespace(name: string): Promise<NamespaceInfo>;
}

/** The parts of an AdmissionRequest a webhook decides on. */
export interface AdmissionInput {
  operation: string;
  namespace: string;
  name: string;
  object: unknown;
  oldObject: unknown;
}

export interface WebhookRoute {
  /** The webhook's name in its configuration. */
  name: string;
  /** The URL path it is served on. */
  path: string;
  mutating: boolean;
  resource: Resource;
  handle(input: AdmissionInput, reader: ClusterReader): Promise<Decision>;
}

const getAll = async (reader: ClusterReader, r: Resource, keys: ObjectKey[]): Promise<unknown[]> =>
  (await Promise.all(keys.map((k) => reader.get(r, k)))).filter((o) => o !== undefined);

const mutating = (r: Resource, handle: WebhookRoute['handle']): WebhookRoute => ({
  name: `mutate.${r.plural}.${r.group}`,
  path: `/mutate/${r.group}/${r.plural}`,
  mutating: true,
  resource: r,
  handle,
});
const validating = (r: Resource, handle: WebhookRoute['handle']): WebhookRoute => ({
  name: `validate.${r.plural}.${r.group}`,
  path: `/validate/${r.group}/${r.plural}`,
  mutating: false,
  resource: r,
  handle,
});

export const ROUTES: readonly WebhookRoute[] = [
  mutating(R.BACKUP_STORAGES, (i) => Promise.resolve(mutateBackupStorage(i.object))),
  mutating(R.RETENTION_POLICIES, (i) => Promise.resolve(mutateRetentionPolicy(i.object))),
  mutating(R.BACKUP_CONFIGURATIONS, async (i, reader) => {
    const [namespace, storages, policies] = await Promise.all([
      reader.namespace(i.namespace),
      reader.list(R.BACKUP_STORAGES),
      reader.list(R.RETENTION_POLICIES),
    ]);
    return mutateBackupConfiguration({ namespace, object: i.object, storages, policies });
  }),

  validating(R.BACKUP_STORAGES, async (i, reader) =>
    validateBackupStorage({ ...i, storages: await reader.list(R.BACKUP_STORAGES) }),
  ),
  validating(R.RETENTION_POLICIES, async (i, reader) =>
    validateRetentionPolicy({ ...i, policies: await reader.list(R.RETENTION_POLICIES, i.namespace) }),
  ),
  validating(R.REPOSITORIES, async (i, reader) =>
    validateRepository({ ...i, repositories: await reader.list(R.REPOSITORIES) }),
  ),
  validating(R.BACKUP_CONFIGURATIONS, async (i, reader) => {
    const refs = backupConfigurationRefs(i.object, i.namespace);
    const [namespace, storages, policies, hookTemplates, repositories] = await Promise.all([
      reader.namespace(i.namespace),
      getAll(reader, R.BACKUP_STORAGES, refs.storages),
      getAll(reader, R.RETENTION_POLICIES, refs.policies),
      getAll(reader, R.HOOK_TEMPLATES, refs.hookTemplates),
      reader.list(R.REPOSITORIES),
    ]);
    return validateBackupConfiguration({ ...i, namespace, storages, policies, hookTemplates, repositories });
  }),
  validating(R.RESTORE_SESSIONS, async (i, reader) => {
    const [namespace, hookTemplates] = await Promise.all([
      reader.namespace(i.namespace),
      getAll(reader, R.HOOK_TEMPLATES, restoreSessionHookRefs(i.object, i.namespace)),
    ]);
    return validateRestoreSession({ namespace, object: i.object, hookTemplates });
  }),
  validating(R.BACKUP_VERIFIERS, (i) => Promise.resolve(validateBackupVerifier(i.object))),
];

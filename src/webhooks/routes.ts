// Every webhook Cairn serves: the resource it admits, its URL path, and how it gathers its inputs (the thin
// I/O part) before calling its pure decide function. Rules about one object alone live in the CRDs' CEL
// (deploy/crds); BackupSession and BackupVerificationSession need no webhook because of that, and neither
// do HookTemplate and BackupBlueprint (their only rule, Selector needs selector, is CEL).
import type { ObjectKey } from '../api/object-meta.ts';
import { KUBESTASH as R, type ResourceType } from '../api/resource-type.ts';
import type { NamespaceInfo } from '../api/usage-policy.ts';
import { mutateBackupConfiguration } from './backupconfiguration-defaults.ts';
import {
  backupConfigurationRefs,
  validateBackupConfiguration,
} from './backupconfiguration-reference-rules.ts';
import { mutateBackupStorage, validateBackupStorage } from './backupstorage.ts';
import { validateBackupVerifier } from './backupverifier.ts';
import type { Decision } from './decision.ts';
import { validateRepository } from './repository.ts';
import { restoreSessionHookRefs, validateRestoreSession } from './restoresession.ts';
import { mutateRetentionPolicy, validateRetentionPolicy } from './retentionpolicy.ts';

/**
 * What the webhooks may read from the cluster: in the operator, the informer caches (cache-reader.ts), so
 * that no admission request lists anything from the API server. Implementations classify and redact their
 * errors.
 */
export interface ClusterReader {
  /** Every object of a resource, in one namespace or (without one) in all; none when the CRD is absent. */
  list(r: ResourceType, namespace?: string): Promise<readonly unknown[]>;
  /** One object, or undefined when it (or its CRD) does not exist. */
  get(r: ResourceType, key: ObjectKey): Promise<unknown>;
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
  resource: ResourceType;
  handle(input: AdmissionInput, reader: ClusterReader): Promise<Decision>;
}

const getAll = async (reader: ClusterReader, r: ResourceType, keys: ObjectKey[]): Promise<unknown[]> =>
  (await Promise.all(keys.map((k) => reader.get(r, k)))).filter((o) => o !== undefined);

const mutating = (r: ResourceType, handle: WebhookRoute['handle']): WebhookRoute => ({
  name: `mutate.${r.plural}.${r.group}`,
  path: `/mutate/${r.group}/${r.plural}`,
  mutating: true,
  resource: r,
  handle,
});
const validating = (r: ResourceType, handle: WebhookRoute['handle']): WebhookRoute => ({
  name: `validate.${r.plural}.${r.group}`,
  path: `/validate/${r.group}/${r.plural}`,
  mutating: false,
  resource: r,
  handle,
});

export const ROUTES: readonly WebhookRoute[] = [
  mutating(R.backupStorages, (i) => Promise.resolve(mutateBackupStorage(i.object))),
  mutating(R.retentionPolicies, (i) => Promise.resolve(mutateRetentionPolicy(i.object))),
  mutating(R.backupConfigurations, async (i, reader) => {
    const [namespace, storages, policies] = await Promise.all([
      reader.namespace(i.namespace),
      reader.list(R.backupStorages),
      reader.list(R.retentionPolicies),
    ]);
    return mutateBackupConfiguration({ namespace, object: i.object, storages, policies });
  }),

  validating(R.backupStorages, async (i, reader) =>
    validateBackupStorage({ ...i, storages: await reader.list(R.backupStorages) }),
  ),
  validating(R.retentionPolicies, async (i, reader) =>
    validateRetentionPolicy({ ...i, policies: await reader.list(R.retentionPolicies, i.namespace) }),
  ),
  validating(R.repositories, async (i, reader) =>
    validateRepository({ ...i, repositories: await reader.list(R.repositories) }),
  ),
  validating(R.backupConfigurations, async (i, reader) => {
    const refs = backupConfigurationRefs(i.object, i.namespace);
    const [namespace, storages, policies, hookTemplates, repositories] = await Promise.all([
      reader.namespace(i.namespace),
      getAll(reader, R.backupStorages, refs.storages),
      getAll(reader, R.retentionPolicies, refs.policies),
      getAll(reader, R.hookTemplates, refs.hookTemplates),
      reader.list(R.repositories),
    ]);
    return validateBackupConfiguration({ ...i, namespace, storages, policies, hookTemplates, repositories });
  }),
  validating(R.restoreSessions, async (i, reader) => {
    const [namespace, hookTemplates] = await Promise.all([
      reader.namespace(i.namespace),
      getAll(reader, R.hookTemplates, restoreSessionHookRefs(i.object, i.namespace)),
    ]);
    return validateRestoreSession({ namespace, object: i.object, hookTemplates });
  }),
  validating(R.backupVerifiers, (i) => Promise.resolve(validateBackupVerifier(i.object, i.oldObject))),
];

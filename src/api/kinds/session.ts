// A backup session of a BackupConfiguration (also the template of one in a BackupBlueprint): when it runs,
// what it backs up with which Addon, and into which repositories.
import type { Static } from '@sinclair/typebox';
import {
  Duration,
  Enum,
  Int32,
  List,
  MAX_LABEL_NAME,
  MAX_OBJECT_NAME,
  Name,
  Obj,
  Opt,
  Str,
} from '../schema/builders.ts';
import { REPOSITORY_PATH_HINT, repositoryPathRules } from '../repository-path.ts';
import { AddonInfo } from './addon-info.ts';
import { BackupHooks } from './hooks.ts';
import { ObjectReference } from './references.ts';
import { RetryConfig } from './retry-config.ts';
import { SchedulerSpec } from './scheduler.ts';

/** Bounds of the lists read by CEL rules, so the API server can bound their cost. */
export const MAX_SESSIONS = 16;
export const MAX_REPOSITORIES = 16;
export const MAX_BACKENDS = 16;

/** A DNS label: names that become parts of object names and label values. */
export const DNS_LABEL_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';

function uniqueNames(list: string, what: string) {
  return {
    rule: 'self.all(x, self.exists_one(y, y.name == x.name))',
    message: `${list} names must be unique: give each ${what} its own name`,
  };
}

/**
 * How a name that becomes part of object names and labels is checked: a DNS label in a BackupConfiguration;
 * in a BackupBlueprint template, any text, since it may hold ${variables} expanded per target.
 */
function generatedName(templated: boolean) {
  return templated
    ? {
        minLength: 1,
        maxLength: MAX_OBJECT_NAME,
        hint: 'May use ${variables} such as ${namespace} and ${targetName}',
      }
    : {
        minLength: 1,
        maxLength: MAX_LABEL_NAME,
        pattern: DNS_LABEL_PATTERN,
        hint: 'Lowercase letters, digits and dashes',
      };
}

/** `where` is the path of the list in messages, e.g. `spec.sessions[].repositories`. */
export function RepositoryInfo(where: string, templated = false) {
  return Obj(
    {
      name: Str(
        'Name of the Repository object Cairn creates for it (in the namespace of the BackupConfiguration).',
        generatedName(templated),
      ),
      backend: Opt(
        Name(
          'Name of the entry of spec.backends to store the repository in; empty means the only (or default) backend.',
          {
            maxLength: MAX_LABEL_NAME,
          },
        ),
      ),
      directory: Str(
        'Directory of the repository inside the BackupStorage prefix, e.g. /cluster-manifests.',
        {
          minLength: 1,
          maxLength: 4096,
          hint: REPOSITORY_PATH_HINT,
          rules: repositoryPathRules(`${where}[].directory`),
        },
      ),
      encryptionSecret: Opt(ObjectReference('The Secret whose RESTIC_PASSWORD key encrypts the repository.')),
      deletionPolicy: Opt(
        Enum(
          ['Delete', 'WipeOut', 'Retain'],
          'What deleting the BackupConfiguration does to the Repository: Delete removes the Repository object (the data stays), WipeOut also deletes the data, Retain keeps both.',
        ),
      ),
      backupVerifier: Opt(
        ObjectReference(
          'A BackupVerifier that verifies the Snapshots of this repository on its own schedule.',
        ),
      ),
    },
    'A repository the session backs up into.',
  );
}
export type RepositoryInfo = Static<ReturnType<typeof RepositoryInfo>>;

/**
 * `where` is the path of the sessions list in messages, e.g. `spec.sessions`; `templated` for the sessions
 * of a BackupBlueprint template.
 */
export function Session(where: string, templated = false) {
  const at = `${where}[]`;
  return Obj(
    {
      name: Str(
        'Name of the session, unique within the BackupConfiguration, e.g. frequent-backup.',
        generatedName(templated),
      ),
      scheduler: SchedulerSpec('When the session runs: the CronJob that triggers it.', 'session'),
      repositories: List(
        RepositoryInfo(`${at}.repositories`, templated),
        'The repositories every run backs up into.',
        {
          maxItems: MAX_REPOSITORIES,
          rules: [
            {
              rule: 'self.size() > 0',
              message: `${at}.repositories must have at least one repository: add {name, backend, directory, encryptionSecret}`,
            },
            uniqueNames(`${at}.repositories`, 'repository of the session'),
          ],
        },
      ),
      addon: AddonInfo(
        'The Addon and tasks that do the backup, e.g. kubedump-addon with task manifest-backup.',
        `${at}.addon`,
      ),
      hooks: Opt(BackupHooks('Hooks run before and after each backup.')),
      retryConfig: Opt(RetryConfig('How a failed run is retried.')),
      backupTimeout: Opt(Duration('How long a run may take before it is marked failed')),
      sessionHistoryLimit: Opt(
        Int32('How many finished BackupSessions of this session to keep.', { minimum: 0, default: 1 }),
      ),
    },
    'A backup session: a schedule, the Addon tasks to run and the repositories to back up into.',
    {
      requiredByRule: [
        {
          field: 'scheduler',
          message: `${at}.scheduler is required: add scheduler.schedule (a cron expression such as "*/5 * * * *") and scheduler.jobTemplate (may be {})`,
        },
        {
          field: 'repositories',
          message: `${at}.repositories is required: add at least one repository {name, backend, directory, encryptionSecret}`,
        },
        {
          field: 'addon',
          message: `${at}.addon is required: name the Addon and its tasks, e.g. {name: kubedump-addon, tasks: [{name: manifest-backup}]}`,
        },
      ],
    },
  );
}
export type Session = Static<ReturnType<typeof Session>>;

export function Sessions(where: string, templated = false) {
  return List(Session(where, templated), 'The backup sessions.', {
    maxItems: MAX_SESSIONS,
    rules: [
      {
        rule: 'self.size() > 0',
        message: `${where} must have at least one session: add one with a name, scheduler, repositories and addon`,
      },
      uniqueNames(where, 'session'),
    ],
  });
}

export function BackendReference() {
  return Obj(
    {
      name: Opt(
        Name('Name of the backend, used by repositories[].backend of the sessions.', {
          maxLength: MAX_LABEL_NAME,
        }),
      ),
      storageRef: ObjectReference('The BackupStorage of the backend.'),
      retentionPolicy: Opt(
        ObjectReference(
          'The RetentionPolicy applied to the repositories of this backend; the default policy when absent.',
        ),
      ),
    },
    'A backend: a BackupStorage and the RetentionPolicy for what is stored in it.',
  );
}
export type BackendReference = Static<ReturnType<typeof BackendReference>>;

export function Backends(where: string) {
  return List(
    BackendReference(),
    'The backends the repositories of the sessions are stored in. When absent, the default BackupStorage and RetentionPolicy are used.',
    {
      maxItems: MAX_BACKENDS,
      rules: [
        {
          rule: 'self.all(x, !has(x.name) || self.exists_one(y, has(y.name) && y.name == x.name))',
          message: `${where} names must be unique: give each backend its own name`,
        },
      ],
    },
  );
}

/** A CEL list literal of the indexes 0 … n-1, and one of their decimal texts. */
const celIndexes = (n: number) => `[${Array.from({ length: n }, (_, i) => i).join(',')}]`;
const celIndexTexts = (n: number) => `[${Array.from({ length: n }, (_, i) => `'${i}'`).join(',')}]`;

/**
 * A repository's backend must be one of the declared backends (checked on the object holding both lists).
 * The rule sits where both lists are visible, so the API server reports it at the sessions list; the message
 * computes the exact field, e.g. `spec.sessions[0].repositories[1].backend`. The message walks literal index
 * lists and reads the index texts from a literal list: the API server estimates `indexOf` and `string(int)`
 * as unbounded and would refuse the CRD.
 */
export function backendRefRule(backends: string, sessions: string) {
  const known = (backend: string) => `self.backends.exists(b, has(b.name) && b.name == ${backend})`;
  const unknown = (r: string) => `has(${r}.backend) && ${r}.backend != "" && !${known(`${r}.backend`)}`;
  const s = 'self.sessions[i]';
  const r = `${s}.repositories[j]`;
  const text = celIndexTexts(Math.max(MAX_SESSIONS, MAX_REPOSITORIES));
  const perSession =
    `${celIndexes(MAX_REPOSITORIES)}.filter(j, j < size(${s}.repositories) && ${unknown(r)})` +
    `.map(j, '${sessions}[' + ${text}[i] + '].repositories[' + ${text}[j] + '].backend names backend "' + ${r}.backend + '", which is not in ${backends}: use the name of one of its entries, or add a backend with that name')`;
  return {
    rule: `!has(self.backends) || !has(self.sessions) || self.sessions.all(s, !has(s.repositories) || s.repositories.all(r, !(${unknown('r')})))`,
    message: `${sessions}[].repositories[].backend must be the name of an entry of ${backends}: correct the name or add a backend with that name`,
    messageExpression: `${celIndexes(MAX_SESSIONS)}.filter(i, i < size(self.sessions) && has(${s}.repositories)).map(i, ${perSession}).filter(l, size(l) > 0)[0][0]`,
    fieldPath: '.sessions',
  };
}

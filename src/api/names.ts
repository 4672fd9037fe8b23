// Names of the objects Cairn generates. They follow KubeStash's rules so that the same manifest yields the
// same object names under either operator (users grep and select by them).

/** Longest name for most objects: a DNS label, since names end up in labels and hostnames. */
export const MAX_NAME_LENGTH = 63;
/** Longest CronJob name: the CronJob controller appends an 11-character suffix to name its Jobs. */
export const MAX_CRONJOB_NAME_LENGTH = 52;

/**
 * Joins `prefix-name-suffix` and fits it into `max` characters by cutting out the middle, keeping the first
 * ceil(max/2) and the last floor(max/2) characters, so both the owner's name and the distinguishing suffix
 * (often a timestamp) survive. Leading and trailing dashes are trimmed in every case, so empty parts at the
 * ends vanish; dashes inside are kept. Names are ASCII, so characters and bytes agree.
 */
export function validNameWithPrefixAndSuffix(
  prefix: string,
  name: string,
  suffix: string,
  max: number = MAX_NAME_LENGTH,
): string {
  return fitName(`${prefix}-${name}-${suffix}`, max);
}

/** The same middle cut and dash trimming applied to a name as a whole. */
export function fitName(name: string, max: number = MAX_NAME_LENGTH): string {
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`max must be a positive integer, got ${max}`);
  if (name.length <= max) return trimDashes(name);
  const head = name.slice(0, Math.floor((max + 1) / 2));
  const tail = name.slice(name.length - Math.floor(max / 2));
  return trimDashes(head + tail);
}

/** `<backupconfiguration>-<session>-<unix seconds>`, fitted to 63 characters. */
export function backupSessionName(backupConfiguration: string, session: string, now: Date): string {
  return validNameWithPrefixAndSuffix(backupConfiguration, session, unixSeconds(now));
}

/**
 * `<repository>-<backupsession>`, fitted to 63 characters. The session's trailing timestamp is kept whole as
 * the suffix, so the cut falls in the middle and Snapshots of different runs stay distinct.
 */
export function snapshotName(repository: string, backupSession: string): string {
  const match = /^(.*)-([0-9]+)$/.exec(backupSession);
  if (match === null) return validNameWithPrefixAndSuffix(repository, backupSession, '');
  const [, base = '', timestamp = ''] = match;
  return validNameWithPrefixAndSuffix(repository, base, timestamp);
}

/**
 * `<session>-<repository>-<unix seconds>`, fitted to 63 characters. This is the order KubeStash's operator
 * was observed to produce (its API library names the helper's parameters the other way round).
 */
export function backupVerificationSessionName(session: string, repository: string, now: Date): string {
  return validNameWithPrefixAndSuffix(session, repository, unixSeconds(now));
}

/** `trigger-<backupconfiguration>-<session>`, fitted to 52 characters; also the name of its ServiceAccount. */
export function backupTriggerCronJobName(backupConfiguration: string, session: string): string {
  return validNameWithPrefixAndSuffix('trigger', backupConfiguration, session, MAX_CRONJOB_NAME_LENGTH);
}

/**
 * `trigger-verifier-<backupconfiguration>-<repository>`, fitted to 52 characters: one verification CronJob
 * per verified repository of a BackupConfiguration. The BackupConfiguration is part of the name because two
 * BackupConfigurations may share a Repository.
 */
export function verificationTriggerCronJobName(backupConfiguration: string, repository: string): string {
  return validNameWithPrefixAndSuffix(
    'trigger-verifier',
    backupConfiguration,
    repository,
    MAX_CRONJOB_NAME_LENGTH,
  );
}

/**
 * The backup Job of a BackupSession carries the session's own name, as in KubeStash; a hand-made session
 * name longer than a Job name may be is fitted to 63 characters.
 */
export function backupJobName(backupSession: string): string {
  return fitName(backupSession);
}

/** `cleanup-<backupstorage>`, the Job that wipes a BackupStorage's data on deletion with WipeOut. */
export function backupStorageCleanupJobName(backupStorage: string): string {
  return validNameWithPrefixAndSuffix('cleanup', backupStorage, '');
}

function unixSeconds(now: Date): string {
  const ms = now.getTime();
  if (Number.isNaN(ms)) throw new RangeError('invalid date');
  return String(Math.floor(ms / 1000));
}

function trimDashes(s: string): string {
  return s.replace(/^-+/, '').replace(/-+$/, '');
}

// BackupVerifier admission: the rules KubeStash intended (its own check is inverted and never registered),
// and a schedule that a CronJob accepts.
import { at, isObject, str } from '../common/json.ts';
import { verdict, type Decision, type Denial } from './decision.ts';
import { scheduleDenial, scheduleWarning } from './schedule.ts';

/**
 * `restoreOption` with `addonInfo`, `scheduler` and `type` are required; `scheduler.schedule` is a cron
 * expression a CronJob accepts (checked when it differs from the one in `oldObject`); a Query verifier needs
 * `query` and `function`; a Script verifier needs `script.location` and `function`.
 */
export function validateBackupVerifier(object: unknown, oldObject?: unknown): Decision {
  const d: Denial[] = [];
  const spec = at(object, 'spec');
  const restore = at(spec, 'restoreOption');
  if (!isObject(restore)) {
    d.push({
      field: 'spec.restoreOption',
      problem: 'is required',
      fix: 'add restoreOption: {target: ..., addonInfo: {name, tasks}} describing the restore to verify with',
    });
  } else if (!isObject(restore.addonInfo)) {
    d.push({
      field: 'spec.restoreOption.addonInfo',
      problem: 'is required',
      fix: 'name the Addon and restore task, e.g. {name: kubedump-addon, tasks: [{name: manifest-restore}]}',
    });
  }
  if (!isObject(at(spec, 'scheduler'))) {
    d.push({
      field: 'spec.scheduler',
      problem: 'is required (a top-level spec.schedule is not an API field)',
      fix: 'add scheduler: {schedule: "0 3 * * *", jobTemplate: {backoffLimit: 1}}',
    });
  } else {
    const old = at(oldObject, 'spec', 'scheduler', 'schedule');
    const bad = scheduleDenial('spec.scheduler.schedule', at(spec, 'scheduler', 'schedule'), old);
    if (bad) d.push(bad);
  }
  const type = str(at(spec, 'type'));
  if (!type) {
    d.push({ field: 'spec.type', problem: 'is required', fix: 'set type to RestoreOnly, Query or Script' });
  }
  const fn = str(at(spec, 'function'));
  if (type === 'Query') {
    if (!isObject(at(spec, 'query')))
      d.push({
        field: 'spec.query',
        problem: 'is required for type Query',
        fix: 'add the queries to run, e.g. query: {mySQL: [{database, table, rowCount}]}',
      });
    if (!fn)
      d.push({
        field: 'spec.function',
        problem: 'is required for type Query',
        fix: 'name the Function that runs the queries',
      });
  }
  if (type === 'Script') {
    if (!str(at(spec, 'script', 'location')))
      d.push({
        field: 'spec.script.location',
        problem: 'is required for type Script',
        fix: 'give the absolute path of the script inside the verifier pod',
      });
    if (!fn)
      d.push({
        field: 'spec.function',
        problem: 'is required for type Script',
        fix: 'name the Function that runs the script',
      });
  }
  const warning = scheduleWarning('spec.scheduler.schedule', at(spec, 'scheduler', 'schedule'));
  return verdict(d, warning ? [warning] : []);
}

// The flags of `cairn download|manifest-view|manifest-restore`, named as KubeStash's CLI names them (API
// reference §8), and the pure functions that turn their values into validated requests. Every refusal is a
// CliInputError whose message names the flag and what to type instead.
import { kubedumpFilter, parseFilterList, type KubedumpFilter } from '../../api/kubedump-filter.ts';
import { q } from '../../common/json.ts';
import { CliInputError } from '../backup/sessions.ts';

export { CliInputError };

export type Format = 'text' | 'yaml' | 'json';

/** `-o`: text (the default), yaml or json. */
export function parseFormat(value: string): Format {
  if (value === 'text' || value === 'yaml' || value === 'json') return value;
  throw new CliInputError(`-o ${value} is not a format: use text, yaml or json`);
}

/**
 * A boolean flag that may carry a value, as cobra's do (`--restore-pvs`, `--restore-pvs=false`): true when
 * given bare, `fallback` when absent, the spellings Go accepts otherwise.
 */
export function parseBool(flag: string, value: string | boolean | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value === 'boolean') return value;
  const v = value.trim();
  if (['1', 't', 'T', 'true', 'True', 'TRUE'].includes(v)) return true;
  if (['0', 'f', 'F', 'false', 'False', 'FALSE'].includes(v)) return false;
  throw new CliInputError(`--${flag}=${value}: give true or false`);
}

/**
 * `a=b,c=d` as a map a → b, c → d. Each entry needs both sides; a source named twice is refused, since only
 * one of its targets could be used.
 */
export function parseMappings(flag: string, value: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of parseFilterList(value)) {
    const eq = entry.indexOf('=');
    const from = eq < 0 ? '' : entry.slice(0, eq).trim();
    const to = eq < 0 ? '' : entry.slice(eq + 1).trim();
    if (from === '' || to === '' || to.includes('=')) {
      throw new CliInputError(`--${flag}: ${q(entry)} is not OLD=NEW (for example --${flag} a=b,c=d)`);
    }
    if (out.has(from) && out.get(from) !== to) {
      throw new CliInputError(`--${flag} maps ${q(from)} twice (to ${q(out.get(from) ?? '')} and ${q(to)})`);
    }
    out.set(from, to);
  }
  return out;
}

/** The object filters, as `cairn manifest-view|manifest-restore` take them (those of a backup). */
export interface FilterFlags {
  includeNamespaces?: string;
  excludeNamespaces?: string;
  includeResources?: string;
  excludeResources?: string;
  andLabelSelectors?: string;
  orLabelSelectors?: string;
  /** Default true, as KubeStash's CLI. */
  includeClusterResources?: string | boolean;
}

/** The filter the flags describe; cluster-scoped resources are included unless the flag says false. */
export function filterFromFlags(flags: FilterFlags): KubedumpFilter {
  return kubedumpFilter({
    includeNamespaces: parseFilterList(flags.includeNamespaces),
    excludeNamespaces: parseFilterList(flags.excludeNamespaces),
    includeResources: parseFilterList(flags.includeResources),
    excludeResources: parseFilterList(flags.excludeResources),
    andLabelSelectors: parseFilterList(flags.andLabelSelectors),
    orLabelSelectors: parseFilterList(flags.orLabelSelectors),
    includeClusterResources: parseBool('include-cluster-resources', flags.includeClusterResources, true),
  });
}

/** The filter as data, for `-o yaml|json` and for messages. */
export function filterData(filter: KubedumpFilter): Record<string, unknown> {
  return {
    includeNamespaces: [...filter.namespaces.includes],
    excludeNamespaces: [...filter.namespaces.excludes],
    includeResources: [...filter.resources.includes],
    excludeResources: [...filter.resources.excludes],
    andLabelSelectors: [...filter.andLabelSelectors],
    orLabelSelectors: [...filter.orLabelSelectors],
    includeClusterResources: filter.includeClusterResources,
  };
}

export interface DownloadFlags {
  destination?: string;
  components?: string;
  include?: string[];
  exclude?: string[];
}

export interface DownloadRequest {
  snapshot: string;
  /** Where `<snapshot>/<component>/` is made; the working directory by default. */
  destination: string;
  /** Only these components; all of the Snapshot's when undefined. */
  components?: string[];
  /** restic `--include` patterns (files to restore); exclusive with `exclude`. */
  include: string[];
  /** restic `--exclude` patterns (files not to restore). */
  exclude: string[];
}

/** Refuses `--include` with `--exclude` (restic restores one or the other) and an empty `--components`. */
export function downloadRequest(snapshot: string, flags: DownloadFlags): DownloadRequest {
  const include = (flags.include ?? []).filter((p) => p !== '');
  const exclude = (flags.exclude ?? []).filter((p) => p !== '');
  if (include.length > 0 && exclude.length > 0) {
    throw new CliInputError(
      '--include and --exclude cannot be used together: give the files to restore with --include, or those to leave out with --exclude',
    );
  }
  let components: string[] | undefined;
  if (flags.components !== undefined) {
    components = [...new Set(parseFilterList(flags.components))];
    if (components.length === 0) {
      throw new CliInputError(
        '--components is empty: name the components, for example --components manifest',
      );
    }
  }
  return {
    snapshot,
    destination: flags.destination === undefined || flags.destination === '' ? '.' : flags.destination,
    ...(components ? { components } : {}),
    include,
    exclude,
  };
}

export interface RestoreFlags extends FilterFlags {
  snapshot: string;
  overrideResources?: string | boolean;
  restorePvs?: string | boolean;
  storageClassMappings?: string;
  namespaceMappings?: string;
  maxIterations: string;
  dryRun?: string | boolean;
  dryRunDir?: string;
  dataDir?: string;
  output: string;
}

export interface RestoreRequest {
  snapshot: string;
  filter: KubedumpFilter;
  overrideResources: boolean;
  restorePVs: boolean;
  storageClassMappings: Map<string, string>;
  namespaceMappings: Map<string, string>;
  maxIterations: number;
  /** True with `--dry-run`, and with `--dry-run-dir` (which asks for a dry run's files). */
  dryRun: boolean;
  dryRunDir?: string;
  /** Where the Snapshot is downloaded and kept; a temporary directory, removed afterwards, when undefined. */
  dataDir?: string;
  format: Format;
}

export function restoreRequest(flags: RestoreFlags): RestoreRequest {
  const snapshot = checkSnapshotName(flags.snapshot);
  const maxIterations = Number(flags.maxIterations);
  if (!Number.isInteger(maxIterations) || maxIterations < 1) {
    throw new CliInputError(`--max-iterations ${flags.maxIterations}: give a whole number ≥ 1`);
  }
  const dryRunFlag = parseBool('dry-run', flags.dryRun, false);
  const dryRunDir = flags.dryRunDir === '' ? undefined : flags.dryRunDir;
  if (dryRunDir !== undefined && flags.dryRun !== undefined && !dryRunFlag) {
    throw new CliInputError('--dry-run-dir writes the objects a dry run would restore: drop --dry-run=false');
  }
  return {
    snapshot,
    filter: filterFromFlags(flags),
    overrideResources: parseBool('override-resources', flags.overrideResources, false),
    restorePVs: parseBool('restore-pvs', flags.restorePvs, false),
    storageClassMappings: parseMappings('storage-class-mappings', flags.storageClassMappings),
    namespaceMappings: parseMappings('namespace-mappings', flags.namespaceMappings),
    maxIterations,
    dryRun: dryRunFlag || dryRunDir !== undefined,
    ...(dryRunDir !== undefined ? { dryRunDir } : {}),
    ...(flags.dataDir !== undefined && flags.dataDir !== '' ? { dataDir: flags.dataDir } : {}),
    format: parseFormat(flags.output),
  };
}

/** `--snapshot` must be given and be one name (a Snapshot's metadata.name). */
export function checkSnapshotName(value: string | undefined): string {
  const name = (value ?? '').trim();
  if (name === '')
    throw new CliInputError('--snapshot is required: the name of a Snapshot (kubectl get snapshots)');
  if (name.includes('/')) {
    throw new CliInputError(`--snapshot ${q(name)}: give the Snapshot's name and its namespace with -n`);
  }
  return name;
}

// The flags of `cairn kubedump restore`, the container command of the Function `kubedump-restore`: the
// second-generation filter flags it shares with backup (flags.ts), KubeStash's restore flags, and Cairn's own
// `--namespace-mappings` and `--max-iterations`; and the one pure function that turns their values into a
// validated RestoreRequest. As for backup, every flag arrives with a value, often empty (the Function's
// `${param:=}`): an empty value means the flag is not set and has its default.
import {
  DUMP_FLAGS,
  DumpFlagError,
  FlagReader,
  readV2Options,
  type FlagSpec,
  type FlagValues,
  type V2Options,
} from './flags.ts';

/** A flag of backup, with the words that differ for a restore. */
function shared(name: string, description?: string): FlagSpec {
  const spec = DUMP_FLAGS.find((f) => f.name === name);
  if (!spec) throw new Error(`flag table is missing --${name}`);
  const { generation: _g, ...rest } = spec;
  return { ...rest, description: description ?? spec.description.replace(/^v2: /, '') };
}

/** Every flag, in the order the Function writes them. */
export const RESTORE_FLAGS: readonly FlagSpec[] = [
  shared('namespace', 'namespace of the RestoreSession (default: default)'),
  {
    name: 'restoresession',
    kind: 'string',
    param: 'restoreSession',
    example: 'cluster-restore',
    description: 'name of the RestoreSession this run belongs to',
  },
  {
    name: 'snapshot',
    kind: 'string',
    param: 'snapshot',
    example: 'gcs-repository-cluster-backup-frequent-backup-1725258000',
    description:
      "name of the Snapshot to restore (in the namespace of the RestoreSession's repository); empty or latest: the newest Succeeded Snapshot of that repository",
  },
  shared('enable-cache'),
  shared(
    'scratch-dir',
    'absolute directory for the downloaded dump and the restic cache (default: /kubestash-tmp)',
  ),
  shared(
    'and-label-selectors',
    'labels (key:value, key=value or key) an object must all carry to be restored',
  ),
  shared('or-label-selectors', 'labels of which an object must carry at least one to be restored'),
  shared('include-cluster-resources', 'also restore cluster-scoped resources (default: false)'),
  shared('include-namespaces', 'only these namespaces of the snapshot (empty or * for all)'),
  shared('exclude-namespaces', 'not these namespaces'),
  shared('include-resources', 'only these resources, as plural or plural.group (empty or * for all)'),
  shared('exclude-resources', 'not these resources, as plural or plural.group'),
  {
    name: 'override-resources',
    kind: 'boolean',
    param: 'OverrideResources',
    example: 'true',
    description:
      'update objects that exist with the backed-up version, by server-side apply (default: false)',
  },
  {
    name: 'storage-class-mappings',
    kind: 'string',
    param: 'StorageClassMappings',
    example: 'standard=fast,gp2=gp3',
    description: 'StorageClass renames for restored claims and volumes, as old=new pairs',
  },
  {
    name: 'restore-pvs',
    kind: 'boolean',
    param: 'RestorePVs',
    example: 'true',
    description: 'also restore PersistentVolumes (their objects, not their data) (default: false)',
  },
  {
    name: 'namespace-mappings',
    kind: 'string',
    param: 'NamespaceMappings',
    example: 'demo=demo-restored',
    description: 'restore a namespace of the snapshot as another one, as source=target pairs (Cairn)',
  },
  {
    name: 'max-iterations',
    kind: 'string',
    param: 'MaxIterations',
    example: '5',
    description: 'passes over what failed on a missing dependency (default: 5) (Cairn)',
  },
];

/** A validated request of `cairn kubedump restore`. */
export interface RestoreRequest {
  /** Namespace of the RestoreSession. */
  namespace: string;
  restoreSession: string;
  /**
   * The Snapshot named by the flag; undefined when it is empty or `latest`, which means the newest Succeeded
   * Snapshot of the RestoreSession's `spec.dataSource.repository`.
   */
  snapshot: string | undefined;
  enableCache: boolean;
  /** Absolute; the snapshot is downloaded under `<scratchDir>/restore/<snapshot>`. */
  scratchDir: string;
  /** The same filters as a second-generation backup, at their defaults when not set. */
  filter: V2Options;
  overrideResources: boolean;
  restorePVs: boolean;
  /** StorageClass old → new; empty when not set. */
  storageClassMappings: ReadonlyMap<string, string>;
  /** Namespace source → target; empty when not set. */
  namespaceMappings: ReadonlyMap<string, string>;
  /** undefined: the engine's default. */
  maxIterations: number | undefined;
}

/** The most passes a restore may be asked for. */
export const MAX_ITERATIONS_LIMIT = 100;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Validates flag values into a RestoreRequest, every option at its default when unset. Throws DumpFlagError
 * (the flag error of every kubedump command) on the first unknown flag or malformed value; its message
 * names the flag and shows a valid value.
 */
export function parseRestoreFlags(values: FlagValues): RestoreRequest {
  const specs = new Map(RESTORE_FLAGS.map((f) => [f.name, f]));
  for (const name of Object.keys(values)) {
    if (values[name] !== undefined && !specs.has(name)) {
      throw new DumpFlagError(
        `unknown flag --${name}; the flags are ${RESTORE_FLAGS.map((f) => `--${f.name}`).join(', ')}`,
      );
    }
  }
  const spec = (name: string): FlagSpec => {
    const s = specs.get(name);
    if (!s) throw new Error(`flag table is missing --${name}`);
    return s;
  };
  const get = (name: string): FlagReader => new FlagReader(spec(name), values[name]);
  return {
    namespace: get('namespace').dnsLabel('default'),
    restoreSession: restoreSessionName(spec('restoresession'), get('restoresession').text().trim()),
    snapshot: snapshotName(spec('snapshot'), get('snapshot').text().trim()),
    enableCache: get('enable-cache').bool(true),
    scratchDir: get('scratch-dir').absolutePath('/kubestash-tmp'),
    filter: readV2Options(get),
    overrideResources: get('override-resources').bool(false),
    restorePVs: get('restore-pvs').bool(false),
    storageClassMappings: mappings(spec('storage-class-mappings'), get('storage-class-mappings'), {
      what: 'StorageClass',
      problem: (n) => (n.length <= 253 && DNS_SUBDOMAIN.test(n) ? undefined : 'is not a StorageClass name'),
    }),
    namespaceMappings: mappings(spec('namespace-mappings'), get('namespace-mappings'), {
      what: 'namespace',
      problem: (n) => (n.length <= 63 && DNS_LABEL.test(n) ? undefined : 'is not a namespace name'),
    }),
    maxIterations: iterations(spec('max-iterations'), get('max-iterations').text().trim()),
  };
}

function fail(spec: FlagSpec, problem: string): never {
  throw new DumpFlagError(`--${spec.name}: ${problem}; e.g. --${spec.name}=${spec.example}`);
}

function restoreSessionName(spec: FlagSpec, v: string): string {
  if (v === '') fail(spec, 'is required: the name of the RestoreSession this Job runs for');
  if (v.length > 253 || !DNS_SUBDOMAIN.test(v)) {
    fail(spec, `${JSON.stringify(v)} is not an object name (lowercase letters, digits, '-' and '.')`);
  }
  return v;
}

function snapshotName(spec: FlagSpec, v: string): string | undefined {
  if (v === '' || v === 'latest') return undefined;
  if (v.length > 253 || !DNS_SUBDOMAIN.test(v)) {
    fail(
      spec,
      `${JSON.stringify(v)} is not a Snapshot name (lowercase letters, digits, '-' and '.') nor latest`,
    );
  }
  return v;
}

/** `old=new` pairs, comma-separated: each side a valid name, each old name once. */
function mappings(
  spec: FlagSpec,
  reader: FlagReader,
  names: { what: string; problem: (name: string) => string | undefined },
): ReadonlyMap<string, string> {
  const pairProblem = (entry: string): string | undefined => {
    const parts = entry.split('=');
    if (parts.length !== 2 || parts[0] === '' || parts[1] === '') {
      return `${JSON.stringify(entry)} is not an old=new pair of ${names.what} names`;
    }
    for (const side of parts) {
      const p = names.problem(side.trim());
      if (p) return `${JSON.stringify(side.trim())} in ${JSON.stringify(entry)} ${p}`;
    }
    return undefined;
  };
  const out = new Map<string, string>();
  for (const entry of reader.list(pairProblem)) {
    const [from = '', to = ''] = entry.split('=').map((s) => s.trim());
    const before = out.get(from);
    if (before !== undefined && before !== to) {
      fail(spec, `${names.what} ${JSON.stringify(from)} is mapped twice (to ${before} and to ${to})`);
    }
    out.set(from, to);
  }
  return out;
}

function iterations(spec: FlagSpec, v: string): number | undefined {
  if (v === '') return undefined;
  const n = /^\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_ITERATIONS_LIMIT) {
    fail(spec, `must be a whole number from 1 to ${MAX_ITERATIONS_LIMIT}, got ${JSON.stringify(v)}`);
  }
  return n;
}

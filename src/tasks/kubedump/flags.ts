// The flags of `cairn kubedump backup`, which are those of KubeStash's kubedump Function in both of its
// generations, and the one pure function that turns their values into a validated DumpRequest. The
// Function's args are templated (`--label-selector=${labelSelector:=}`), so every flag arrives with a value,
// often empty: an empty value means the flag is not set and has its default.
import { parseFilterList } from '../../api/kubedump-filter.ts';
import {
  parseSelectorText,
  SelectorSyntaxError,
  labelKeyProblem,
  labelValueProblem,
} from './selector-text.ts';
import type { LabelSelectorObject } from './selector-text.ts';

/** v1: kubedump image ≤ v0.17.0 (catalog ≤ v2025.4.30); v2: image ≥ v0.18.0 (catalog ≥ v2025.6.30). */
export type Generation = 'v1' | 'v2';

export type FlagKind = 'string' | 'boolean' | 'list';

export interface FlagSpec {
  /** As written on the command line, without the dashes. */
  name: string;
  kind: FlagKind;
  /** The generation whose Function passes it; undefined for the flags both pass. */
  generation?: Generation;
  /** The Addon task parameter the Function fills it from. */
  param: string;
  /** A valid value, shown in errors. */
  example: string;
  description: string;
}

/** Every flag, in the order the Functions write them. */
export const DUMP_FLAGS: readonly FlagSpec[] = [
  {
    name: 'namespace',
    kind: 'string',
    param: 'namespace',
    example: 'demo',
    description: 'namespace of the BackupSession (default: default)',
  },
  {
    name: 'backupsession',
    kind: 'string',
    param: 'backupSession',
    example: 'cluster-backup-frequent-backup-1701234567',
    description: 'name of the BackupSession this run belongs to',
  },
  {
    name: 'enable-cache',
    kind: 'boolean',
    param: 'enableCache',
    example: 'true',
    description: 'keep the restic cache under the scratch directory (default: true)',
  },
  {
    name: 'scratch-dir',
    kind: 'string',
    param: 'scratchDir',
    example: '/kubestash-tmp',
    description: 'absolute directory for the dump tree and the restic cache (default: /kubestash-tmp)',
  },
  {
    name: 'sanitize',
    kind: 'boolean',
    generation: 'v1',
    param: 'sanitize',
    example: 'true',
    description: 'v1: remove status, managedFields and other decorators (default: true)',
  },
  {
    name: 'label-selector',
    kind: 'string',
    generation: 'v1',
    param: 'labelSelector',
    example: 'app=web,tier in (frontend,api)',
    description: 'v1: only objects matching this Kubernetes label selector',
  },
  {
    name: 'include-dependants',
    kind: 'boolean',
    generation: 'v1',
    param: 'includeDependants',
    example: 'true',
    description:
      'v1: with an application target, also the objects its ownerReferences chain owns (default: false)',
  },
  {
    name: 'and-label-selectors',
    kind: 'list',
    generation: 'v2',
    param: 'ANDedLabelSelectors',
    example: 'app:my-app,tier=web',
    description: 'v2: labels (key:value, key=value or key) that must all be present',
  },
  {
    name: 'or-label-selectors',
    kind: 'list',
    generation: 'v2',
    param: 'ORedLabelSelectors',
    example: 'app:my-app,app:my-sts',
    description: 'v2: labels of which at least one must be present',
  },
  {
    name: 'include-cluster-resources',
    kind: 'boolean',
    generation: 'v2',
    param: 'IncludeClusterResources',
    example: 'true',
    description: 'v2: also dump cluster-scoped resources (default: false)',
  },
  {
    name: 'include-namespaces',
    kind: 'list',
    generation: 'v2',
    param: 'IncludeNamespaces',
    example: 'demo-a,demo-b',
    description: 'v2: only these namespaces (empty or * for all)',
  },
  {
    name: 'exclude-namespaces',
    kind: 'list',
    generation: 'v2',
    param: 'ExcludeNamespaces',
    example: 'kube-system,longhorn-system',
    description: 'v2: not these namespaces',
  },
  {
    name: 'include-resources',
    kind: 'list',
    generation: 'v2',
    param: 'IncludeResources',
    example: 'deployments.apps,configmaps',
    description: 'v2: only these resources, as plural or plural.group (empty or * for all)',
  },
  {
    name: 'exclude-resources',
    kind: 'list',
    generation: 'v2',
    param: 'ExcludeResources',
    example: 'secrets,events.events.k8s.io',
    description: 'v2: not these resources, as plural or plural.group',
  },
];

/** What both generations ask for. */
interface DumpRequestBase {
  /** Namespace of the BackupSession. */
  namespace: string;
  backupSession: string;
  enableCache: boolean;
  /** Absolute; the dump tree goes to `<scratchDir>/manifest`. */
  scratchDir: string;
}

/** The first generation's options, at their defaults when not set. */
export interface V1Options {
  sanitize: boolean;
  /** The selector as written ('' for none), for the server-side LIST. */
  labelSelectorText: string;
  /** The same selector as a LabelSelector object, for matching on this side. */
  labelSelector: LabelSelectorObject;
  includeDependants: boolean;
}

/** The second generation's filter, at its defaults when not set. */
export interface V2Options {
  includeNamespaces: string[];
  excludeNamespaces: string[];
  includeResources: string[];
  excludeResources: string[];
  includeClusterResources: boolean;
  andLabelSelectors: string[];
  orLabelSelectors: string[];
}

/** A validated request of `cairn kubedump backup`. */
export interface DumpRequest extends DumpRequestBase {
  /**
   * The generation whose own flags were set (given with a non-empty value); undefined when none were, as
   * with Cairn's catalog Function, which passes the flags of both generations, empty unless a param sets
   * them. The target then decides (see plan.ts).
   */
  generation: Generation | undefined;
  v1: V1Options;
  v2: V2Options;
}

/** A flag value that cannot be used; the message names the flag and shows a valid value. */
export class DumpFlagError extends Error {}

/** Flag values by flag name (without dashes); a boolean flag given bare is `true`. */
export type FlagValues = Readonly<Record<string, string | boolean | undefined>>;

/** Whether a flag was set: given bare, or with a value that is not blank. */
function isSet(value: string | boolean | undefined): boolean {
  return value === true || (typeof value === 'string' && value.trim() !== '');
}

/**
 * Validates flag values into a DumpRequest, every option of both generations read (at its default when
 * unset). Setting flags of both generations is refused, since they select differently and no
 * configuration written for one generation sets the other's. Throws DumpFlagError on the first unknown
 * flag or malformed value.
 */
export function parseDumpFlags(values: FlagValues): DumpRequest {
  const specs = new Map(DUMP_FLAGS.map((f) => [f.name, f]));
  for (const name of Object.keys(values)) {
    if (values[name] !== undefined && !specs.has(name)) {
      throw new DumpFlagError(
        `unknown flag --${name}; the flags are ${DUMP_FLAGS.map((f) => `--${f.name}`).join(', ')}`,
      );
    }
  }
  const set = (g: Generation): string[] =>
    DUMP_FLAGS.filter((f) => f.generation === g && isSet(values[f.name])).map((f) => `--${f.name}`);
  const v1 = set('v1');
  const v2 = set('v2');
  if (v1.length > 0 && v2.length > 0) {
    throw new DumpFlagError(
      `flags of both kubedump generations were set (${v1.join(', ')} and ${v2.join(', ')}): use either the first generation's --sanitize/--label-selector/--include-dependants or the second's filter flags, e.g. --include-namespaces=demo`,
    );
  }
  const get = (name: string): FlagReader => new FlagReader(must(specs.get(name)), values[name]);
  const selector = get('label-selector');
  return {
    namespace: get('namespace').dnsLabel('default'),
    backupSession: get('backupsession').objectName(),
    enableCache: get('enable-cache').bool(true),
    scratchDir: get('scratch-dir').absolutePath('/kubestash-tmp'),
    generation: v1.length > 0 ? 'v1' : v2.length > 0 ? 'v2' : undefined,
    v1: {
      sanitize: get('sanitize').bool(true),
      labelSelectorText: selector.text().trim(),
      labelSelector: selector.selector(),
      includeDependants: get('include-dependants').bool(false),
    },
    v2: readV2Options(get),
  };
}

/**
 * The second-generation filter flags (shared by backup and restore), each validated and at its default when
 * not set; `get` reads one flag of the command's table.
 */
export function readV2Options(get: (name: string) => FlagReader): V2Options {
  return {
    includeNamespaces: get('include-namespaces').list(namespaceProblem),
    excludeNamespaces: get('exclude-namespaces').list(namespaceProblem),
    includeResources: get('include-resources').list(resourceProblem),
    excludeResources: get('exclude-resources').list(resourceProblem),
    includeClusterResources: get('include-cluster-resources').bool(false),
    andLabelSelectors: get('and-label-selectors').list(labelTokenProblem),
    orLabelSelectors: get('or-label-selectors').list(labelTokenProblem),
  };
}

function must<T>(v: T | undefined): T {
  if (v === undefined) throw new Error('flag table is missing an entry');
  return v;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const PLURAL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
/** Go's strconv.ParseBool spellings, which KubeStash's flag parsing accepts. */
const TRUE = ['1', 't', 'T', 'true', 'True', 'TRUE'];
const FALSE = ['0', 'f', 'F', 'false', 'False', 'FALSE'];

/** Reads one flag's value; every failure names the flag and shows its example. */
export class FlagReader {
  private readonly spec: FlagSpec;
  private readonly value: string | boolean | undefined;

  constructor(spec: FlagSpec, value: string | boolean | undefined) {
    this.spec = spec;
    this.value = value;
  }

  private fail(problem: string): never {
    throw new DumpFlagError(`--${this.spec.name}: ${problem}; e.g. --${this.spec.name}=${this.spec.example}`);
  }

  text(): string {
    if (this.value === true) this.fail('needs a value');
    return this.value === undefined || this.value === false ? '' : this.value;
  }

  bool(fallback: boolean): boolean {
    if (typeof this.value === 'boolean') return this.value;
    const v = (this.value ?? '').trim();
    if (v === '') return fallback;
    if (TRUE.includes(v)) return true;
    if (FALSE.includes(v)) return false;
    return this.fail(`must be true or false, got ${JSON.stringify(this.value)}`);
  }

  dnsLabel(fallback: string): string {
    const v = this.text().trim();
    if (v === '') return fallback;
    if (v.length > 63 || !DNS_LABEL.test(v)) {
      this.fail(
        `${JSON.stringify(v)} is not a namespace name (at most 63 lowercase letters, digits and '-')`,
      );
    }
    return v;
  }

  objectName(): string {
    const v = this.text().trim();
    if (v === '') this.fail(`is required: the name of the BackupSession this Job runs for`);
    if (v.length > 253 || !DNS_SUBDOMAIN.test(v)) {
      this.fail(`${JSON.stringify(v)} is not an object name (lowercase letters, digits, '-' and '.')`);
    }
    return v;
  }

  absolutePath(fallback: string): string {
    const v = this.text().trim();
    if (v === '') return fallback;
    if (!v.startsWith('/')) this.fail(`${JSON.stringify(v)} is not an absolute path`);
    return v.length > 1 ? v.replace(/\/+$/, '') : v;
  }

  selector(): LabelSelectorObject {
    try {
      return parseSelectorText(this.text());
    } catch (err) {
      if (err instanceof SelectorSyntaxError) this.fail(`not a label selector: ${err.message}`);
      throw err;
    }
  }

  /** Comma-separated entries, blanks dropped; `problem` says why an entry is invalid. */
  list(problem: (entry: string) => string | undefined): string[] {
    const entries = parseFilterList(this.text());
    for (const e of entries) {
      const p = problem(e);
      if (p) this.fail(p);
    }
    return entries;
  }
}

export function namespaceProblem(entry: string): string | undefined {
  if (entry === '*') return undefined;
  if (entry.length > 63 || !DNS_LABEL.test(entry)) {
    return `${JSON.stringify(entry)} is not a namespace name (lowercase letters, digits and '-')`;
  }
  return undefined;
}

/** A resource is named `plural` (core group) or `plural.group`, as discovery spells them; `*` is all. */
export function resourceProblem(entry: string): string | undefined {
  if (entry === '*') return undefined;
  const dot = entry.indexOf('.');
  const plural = dot >= 0 ? entry.slice(0, dot) : entry;
  const group = dot >= 0 ? entry.slice(dot + 1) : '';
  const ok = PLURAL.test(plural) && (dot < 0 || (group.length <= 253 && DNS_SUBDOMAIN.test(group)));
  if (ok) return undefined;
  return `${JSON.stringify(entry)} is not a resource: write the lowercase plural (pods) or plural.group (deployments.apps), not a kind or a subresource`;
}

/** A label token is `key:value`, `key=value` or a bare `key`. */
export function labelTokenProblem(entry: string): string | undefined {
  const at = entry.search(/[:=]/);
  const key = at >= 0 ? entry.slice(0, at) : entry;
  const value = at >= 0 ? entry.slice(at + 1) : '';
  const problem = labelKeyProblem(key) ?? labelValueProblem(value);
  return problem ? `${JSON.stringify(entry)}: ${problem} (write key:value, key=value or key)` : undefined;
}

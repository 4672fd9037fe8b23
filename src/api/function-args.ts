// The container args of a task's Job: a Function's args with their `${name:=default}` references resolved
// against the built-in variables of the session and the parameters of the Addon task, as KubeStash resolves
// them, so a catalog Function (kubedump-backup, kubedump-restore) runs with the same argv under either operator.
import type { Task } from './kinds/addon.ts';
import type { TaskReference } from './kinds/addon-info.ts';
import type { FunctionSpec } from './kinds/function.ts';
import type { TypedObjectReference } from './kinds/references.ts';

/**
 * The variables every Function may refer to, as KubeStash names them; the session that runs a task provides
 * those that apply to it (a backup Job has no `restoreSession`). The `target*` variables are Cairn's
 * addition: KubeStash's catalog Functions do not use them.
 */
export const BUILTIN_VARIABLES = [
  'namespace',
  'backupSession',
  'restoreSession',
  'backupVerificationSession',
  'snapshot',
  'enableCache',
  'interimDataDir',
  'invokerKind',
  'invokerName',
  'imageRegistry',
  'imageRepo',
  'imageTag',
  'licenseApiService',
  'targetApiGroup',
  'targetKind',
  'targetName',
  'targetNamespace',
] as const;
export type BuiltinVariable = (typeof BUILTIN_VARIABLES)[number];
export type BuiltinVariables = Partial<Record<BuiltinVariable, string>>;

/** An Addon task parameter as the Addon declares it (the fields of ParameterDefinition read here). */
export interface ParameterDeclaration {
  name: string;
  required?: boolean;
  default?: string;
}

export interface FunctionArgsInput {
  /** `spec.args` of the Function. */
  args: readonly string[];
  /** `parameters` of the Addon task. */
  parameters?: readonly ParameterDeclaration[];
  /** `params` of the session's task reference, as written (YAML may make a value a number or a boolean). */
  params?: Readonly<Record<string, unknown>>;
  /** The built-in variables of the session that runs the task. */
  builtins: BuiltinVariables;
  /** Further variables of the task reference (`variables` with plain values). */
  variables?: Readonly<Record<string, string>>;
  /** Names the task for messages, e.g. `manifest-backup`. */
  task?: string;
}

export interface FunctionArgs {
  /** The container args, every reference resolved. */
  args: string[];
  /** Params given that the Addon task does not declare: still usable by the args, but likely a typo. */
  undeclaredParams: string[];
  /** Params given that no arg refers to: they have no effect. */
  unusedParams: string[];
  /** Names referred to with a default that are neither built-in, parameter nor variable: likely a typo. */
  unknownVariables: string[];
}

/** An arg that cannot be resolved, or a param that cannot be used; the message names it. */
export class FunctionArgsError extends Error {}

const REFERENCE = /\$\$|\$\{([^}]*)\}|\$\{/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** `name`, then optionally an operator (`:=`, `=`, `:-`, `-`) and a default that runs to the closing brace. */
const BODY = /^([^:=-]*)(?:(:?)([=-])(.*))?$/s;

/**
 * Resolves every `${name}` reference in the args. A name resolves, in this order, to the session's param, the
 * Addon parameter's default, a built-in variable, a task variable, then an undeclared param. `${name:=d}` and
 * `${name:-d}` give `d` when the value is unset or empty, `${name=d}` and `${name-d}` only when unset; `$${`
 * writes a literal `${`; a `$` not followed by `{` is kept as written. Throws FunctionArgsError for a
 * reference without a value and without a default, a malformed reference, a required parameter without a
 * value, or a param value that is not a string, number or boolean.
 */
export function resolveFunctionArgs(input: FunctionArgsInput): FunctionArgs {
  const task = input.task ? ` of task ${input.task}` : '';
  const declared = new Map((input.parameters ?? []).map((p) => [p.name, p]));
  const params = new Map<string, string>();
  for (const [name, value] of Object.entries(input.params ?? {})) {
    if (typeof value === 'string') params.set(name, value);
    else if (typeof value === 'number' || typeof value === 'boolean') params.set(name, String(value));
    else if (value !== undefined && value !== null) {
      throw new FunctionArgsError(
        `param ${name}${task} must be a string (lists comma-separated), e.g. ${name}: "a,b"; got ${JSON.stringify(value)}`,
      );
    }
  }
  for (const p of declared.values()) {
    if (p.required && (params.get(p.name) ?? p.default ?? '') === '') {
      throw new FunctionArgsError(`parameter ${p.name}${task} is required: give it a value in params`);
    }
  }
  const builtins: Readonly<Record<string, string | undefined>> = input.builtins;
  const lookup = (name: string): string | undefined => {
    const p = declared.get(name);
    if (p) return params.get(name) ?? p.default ?? builtins[name];
    return builtins[name] ?? input.variables?.[name] ?? params.get(name);
  };
  const known = (name: string): boolean =>
    declared.has(name) ||
    (BUILTIN_VARIABLES as readonly string[]).includes(name) ||
    Object.hasOwn(input.variables ?? {}, name) ||
    params.has(name);

  const referenced = new Set<string>();
  const unknown = new Set<string>();
  const args = input.args.map((arg, index) =>
    arg.replace(REFERENCE, (match: string, body: string | undefined) => {
      if (match === '$$') return '$';
      const where = `arg ${index} ${JSON.stringify(arg)}`;
      if (body === undefined) throw new FunctionArgsError(`${where}: "\${" is not closed by "}"`);
      const m = BODY.exec(body);
      const name = m?.[1] ?? '';
      if (!m || !NAME.test(name)) {
        throw new FunctionArgsError(
          `${where}: "\${${body}}" is not a reference; write \${name} or \${name:=default}`,
        );
      }
      referenced.add(name);
      const value = lookup(name);
      const hasDefault = m[3] !== undefined;
      if (hasDefault && !known(name)) unknown.add(name);
      if (hasDefault) {
        const whenEmpty = m[2] === ':';
        if (value === undefined || (whenEmpty && value === '')) return m[4] ?? '';
        return value;
      }
      if (value !== undefined) return value;
      if (!known(name)) {
        throw new FunctionArgsError(
          `${where}: unknown variable \${${name}}: not a built-in variable (${BUILTIN_VARIABLES.join(', ')}) nor a parameter${task}; give it a default with \${${name}:=}`,
        );
      }
      throw new FunctionArgsError(
        `${where}: \${${name}} has no value here and no default; write \${${name}:=} to allow it to be empty`,
      );
    }),
  );
  const given = [...params.keys()];
  return {
    args,
    undeclaredParams: given.filter((n) => !declared.has(n)).sort(),
    unusedParams: given.filter((n) => !referenced.has(n)).sort(),
    unknownVariables: [...unknown].sort(),
  };
}

/** What a backup session knows about itself, for its Job's built-in variables. */
export interface BackupSessionValues {
  /** Namespace of the BackupSession (and of its invoker). */
  namespace: string;
  backupSession: string;
  invokerKind: string;
  invokerName: string;
  /** `spec.target` of the invoker; absent for a cluster backup. */
  target?: TypedObjectReference;
}

/**
 * The built-in variables of a backup Job. The target's namespace defaults to the session's, as an unset
 * `spec.target.namespace` means the BackupConfiguration's namespace.
 */
export function backupBuiltins(v: BackupSessionValues): BuiltinVariables {
  const builtins: BuiltinVariables = {
    namespace: v.namespace,
    backupSession: v.backupSession,
    invokerKind: v.invokerKind,
    invokerName: v.invokerName,
  };
  if (v.target) {
    builtins.targetApiGroup = v.target.apiGroup ?? '';
    builtins.targetKind = v.target.kind ?? '';
    builtins.targetName = v.target.name;
    builtins.targetNamespace = v.target.namespace ?? v.namespace;
  }
  return builtins;
}

/**
 * The container args for one Addon task run by a session: the Function's args resolved with the task's
 * parameters, the session's params and plain-valued variables of its task reference (variables taken from
 * Secrets or ConfigMaps are for the container's environment, not its args).
 */
export function taskArgs(
  fn: Pick<FunctionSpec, 'args'>,
  task: Pick<Task, 'name' | 'parameters'>,
  ref: Pick<TaskReference, 'params' | 'variables'> | undefined,
  builtins: BuiltinVariables,
): FunctionArgs {
  const variables: Record<string, string> = {};
  for (const e of ref?.variables ?? []) if (e.value !== undefined) variables[e.name] = e.value;
  return resolveFunctionArgs({
    args: fn.args ?? [],
    parameters: task.parameters ?? [],
    ...(ref?.params !== undefined ? { params: ref.params } : {}),
    builtins,
    variables,
    task: task.name,
  });
}

// The Addon catalog of deploy/addons: valid against Cairn's own schemas, pointing at Cairn's image, and
// complete enough that every KubeStash guide naming kubedump-addon finds the tasks and parameters it uses.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import type { Addon, Task } from '../../src/api/kinds/addon.ts';
import type { FunctionObject } from '../../src/api/kinds/function.ts';
import { BUILTIN_VARIABLES, backupBuiltins, taskArgs } from '../../src/api/function-args.ts';
import { projectRoot } from '../../src/devcluster/toolchain.ts';
import { parseDumpFlags, type FlagValues } from '../../src/tasks/kubedump/flags.ts';

const DEPLOY = join(projectRoot, 'deploy');
const CATALOG = join(DEPLOY, 'addons');
const DOCS = process.env.CAIRN_KUBESTASH_DOCS ?? join(projectRoot, '..', 'shared', 'kubestash-docs');

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return yamlFiles(p);
    return /\.ya?ml$/.test(e.name) ? [p] : [];
  });
}

/** Every object of the YAML files under `dir`; an expected-output file's first line (a shell command) is dropped. */
function objects(dir: string): { file: string; obj: Obj }[] {
  return yamlFiles(dir).flatMap((file) => {
    let text = readFileSync(file, 'utf8');
    if (file.includes('expected-output')) text = text.slice(text.indexOf('\n') + 1);
    return parseAllDocuments(text).flatMap((d) => {
      assert.deepEqual(d.errors, [], `${file} is not valid YAML`);
      const obj: unknown = d.toJS();
      return isObj(obj) && obj.kind !== 'Kustomization' ? [{ file, obj }] : [];
    });
  });
}

const catalog = objects(CATALOG);
const addon = catalog.find((o) => o.obj.kind === 'Addon')?.obj as unknown as Addon;
const functions = new Map(
  catalog
    .filter((o) => o.obj.kind === 'Function')
    .map((o) => {
      const fn = o.obj as unknown as FunctionObject;
      return [fn.metadata.name ?? '', fn] as const;
    }),
);
const tasks = (kind: 'backup' | 'restore'): Task[] =>
  (kind === 'backup' ? addon.spec.backupTasks : addon.spec.restoreTasks) ?? [];

/** The generated CRD's schema of a Kind: what the API server enforces and prunes by. */
function crdSchema(file: string): Obj {
  const crd = parse(readFileSync(join(DEPLOY, 'crds', file), 'utf8')) as {
    spec: { versions: { schema: { openAPIV3Schema: Obj } }[] };
  };
  const schema = crd.spec.versions[0]?.schema.openAPIV3Schema;
  assert.ok(schema);
  return schema;
}

/**
 * What the API server would refuse or drop in `value` under a structural schema: wrong types, values outside
 * an enum, pattern or bounds, missing required fields, and (as "pruned") fields the schema does not know.
 * CEL rules are not evaluated here; the integration tests apply the catalog to a real API server.
 */
function schemaProblems(value: unknown, schema: Obj, path = ''): string[] {
  if (path === '.metadata') return [];
  const at = path || '<root>';
  const type = schema.type;
  if (schema['x-kubernetes-int-or-string'] === true) {
    return typeof value === 'string' || Number.isInteger(value) ? [] : [`${at}: not an integer or string`];
  }
  const problems: string[] = [];
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) problems.push(`${at}: not one of the enum`);
  switch (type) {
    case 'string':
      if (typeof value !== 'string') return [`${at}: not a string`];
      if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value))
        problems.push(`${at}: does not match ${schema.pattern}`);
      if (typeof schema.minLength === 'number' && value.length < schema.minLength)
        problems.push(`${at}: too short`);
      if (typeof schema.maxLength === 'number' && value.length > schema.maxLength)
        problems.push(`${at}: too long`);
      return problems;
    case 'boolean':
      return typeof value === 'boolean' ? problems : [`${at}: not a boolean`];
    case 'integer':
    case 'number':
      if (typeof value !== 'number' || (type === 'integer' && !Number.isInteger(value)))
        return [`${at}: not a ${type}`];
      if (typeof schema.minimum === 'number' && value < schema.minimum)
        problems.push(`${at}: below the minimum`);
      if (typeof schema.maximum === 'number' && value > schema.maximum)
        problems.push(`${at}: above the maximum`);
      return problems;
    case 'array':
      if (!Array.isArray(value)) return [`${at}: not an array`];
      return isObj(schema.items)
        ? value.flatMap((v, i) => schemaProblems(v, schema.items as Obj, `${path}[${i}]`))
        : problems;
    case 'object': {
      if (!isObj(value)) return [`${at}: not an object`];
      for (const r of Array.isArray(schema.required) ? (schema.required as string[]) : []) {
        if (!(r in value)) problems.push(`${path}.${r}: required`);
      }
      if (schema['x-kubernetes-preserve-unknown-fields'] === true && !isObj(schema.properties))
        return problems;
      const props = isObj(schema.properties) ? schema.properties : {};
      const extra = isObj(schema.additionalProperties) ? schema.additionalProperties : undefined;
      for (const [k, v] of Object.entries(value)) {
        const sub = props[k] ?? extra;
        if (isObj(sub)) problems.push(...schemaProblems(v, sub, `${path}.${k}`));
        else if (schema['x-kubernetes-preserve-unknown-fields'] !== true)
          problems.push(`${path}.${k}: pruned`);
      }
      return problems;
    }
    default:
      return problems;
  }
}

/** The variables an arg refers to: `${name}` and `${name:=default}`. */
function variables(arg: string): string[] {
  return [...arg.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::=[^}]*)?\}/g)].map((m) => m[1] ?? '');
}

const BUILT_IN = new Set<string>(BUILTIN_VARIABLES);

void describe('deploy/addons', () => {
  void test('holds the Addon kubedump-addon and the Functions kubedump-backup and kubedump-restore, nothing else', () => {
    assert.deepEqual(
      catalog.map((o) => `${String(o.obj.kind)}/${String((o.obj.metadata as Obj).name)}`).sort(),
      ['Addon/kubedump-addon', 'Function/kubedump-backup', 'Function/kubedump-restore'],
    );
  });

  void test('every file is listed by its kustomization, applied apart from deploy/ once the CRDs exist', () => {
    const k = parse(readFileSync(join(CATALOG, 'kustomization.yaml'), 'utf8')) as { resources: string[] };
    const files = yamlFiles(CATALOG)
      .map((f) => relative(CATALOG, f))
      .filter((f) => f !== 'kustomization.yaml');
    assert.deepEqual([...k.resources].sort(), files.sort());
    const top = parse(readFileSync(join(DEPLOY, 'kustomization.yaml'), 'utf8')) as { resources: string[] };
    // One `kubectl apply -k deploy/` must succeed on a cluster without the CRDs, and kubectl refuses custom
    // objects whose CRD it has not yet seen established; so the catalog is a second apply (README).
    assert.ok(!top.resources.includes('addons'), 'deploy/kustomization.yaml must not list addons');
  });

  void test('every object is valid under the generated CRD, with no field the API server would drop', () => {
    for (const { file, obj } of catalog) {
      const crd =
        obj.kind === 'Addon' ? 'addons.kubestash.com_addons.yaml' : 'addons.kubestash.com_functions.yaml';
      assert.deepEqual(schemaProblems(obj, crdSchema(crd)), [], file);
    }
  });

  void test('the schema check finds an unknown field, a wrong type and a value outside the enum', () => {
    const task = tasks('backup')[0];
    const bad = {
      ...addon,
      spec: { backupTask: [], backupTasks: [{ ...task, singleton: 'yes', executor: 'Pod' }] },
    };
    assert.deepEqual(schemaProblems(bad, crdSchema('addons.kubestash.com_addons.yaml')), [
      '.spec.backupTask: pruned',
      '.spec.backupTasks[0].executor: not one of the enum',
      '.spec.backupTasks[0].singleton: not a boolean',
    ]);
  });

  void test("the Functions run Cairn's image at the operator Deployment's tag, as `cairn kubedump backup|restore`", () => {
    const deployment = readFileSync(join(DEPLOY, 'operator', 'deployment.yaml'), 'utf8');
    const image = /image: (ghcr\.io\/cairn-backup\/cairn:\S+)/.exec(deployment)?.[1];
    assert.ok(image, 'deploy/operator/deployment.yaml names the image');
    assert.equal(functions.get('kubedump-backup')?.spec.image, image);
    assert.equal(functions.get('kubedump-restore')?.spec.image, image);
    assert.deepEqual(functions.get('kubedump-backup')?.spec.args?.slice(0, 2), ['kubedump', 'backup']);
    assert.deepEqual(functions.get('kubedump-restore')?.spec.args?.slice(0, 2), ['kubedump', 'restore']);
  });

  void test('each task runs a Function of the catalog with driver Restic, executor Job and the scratch volume', () => {
    for (const [kind, name, fn] of [
      ['backup', 'manifest-backup', 'kubedump-backup'],
      ['restore', 'manifest-restore', 'kubedump-restore'],
    ] as const) {
      const task = tasks(kind).find((t) => t.name === name);
      assert.ok(task, `${kind} task ${name}`);
      assert.equal(task.function, fn);
      assert.ok(functions.has(fn));
      assert.equal(task.driver, 'Restic');
      assert.equal(task.executor, 'Job');
      assert.equal(task.singleton, true);
      assert.deepEqual(
        task.volumeTemplate?.map((v) => [v.name, Object.keys(v.source ?? {})]),
        [['kubestash-tmp-volume', ['emptyDir']]],
      );
      assert.deepEqual(task.volumeMounts, [{ name: 'kubestash-tmp-volume', mountPath: '/kubestash-tmp' }]);
    }
  });

  void test('every variable of a Function is a built-in or a parameter of its task, and every parameter is used', () => {
    for (const task of [...tasks('backup'), ...tasks('restore')]) {
      const fn = functions.get(task.function);
      assert.ok(fn, task.function);
      const used = new Set((fn.spec.args ?? []).flatMap(variables));
      const declared = new Set((task.parameters ?? []).map((p) => p.name));
      for (const v of used) assert.ok(BUILT_IN.has(v) || declared.has(v), `${task.function} uses \${${v}}`);
      for (const p of declared)
        assert.ok(used.has(p), `${task.name} declares ${p}, which ${task.function} ignores`);
      for (const arg of (fn.spec.args ?? []).slice(2)) {
        assert.match(arg, /^--[a-z-]+=\$\{[A-Za-z]+:=[^}]*\}$/, `${task.function}: ${arg}`);
      }
    }
  });
});

void describe("KubeStash's kubedump material applies to the catalog", () => {
  assert.ok(
    existsSync(DOCS),
    `the KubeStash docs examples folder ${DOCS} does not exist: put it at ../shared/kubestash-docs next to the repository root, or set CAIRN_KUBESTASH_DOCS`,
  );
  const docs = objects(DOCS);

  void test("declares every parameter of KubeStash's own kubedump Addons (current and v2025.4.30)", () => {
    const upstream = docs.filter((d) => d.obj.kind === 'Addon');
    assert.equal(upstream.length, 2);
    for (const { file, obj } of upstream) {
      const spec = (obj as unknown as Addon).spec;
      for (const kind of ['backup', 'restore'] as const) {
        for (const theirs of (kind === 'backup' ? spec.backupTasks : spec.restoreTasks) ?? []) {
          const ours = tasks(kind).find((t) => t.name === theirs.name);
          assert.ok(ours, `${file}: ${kind} task ${theirs.name}`);
          assert.equal(ours.function, theirs.function);
          const declared = new Set((ours.parameters ?? []).map((p) => p.name));
          for (const p of theirs.parameters ?? [])
            assert.ok(declared.has(p.name), `${file}: parameter ${p.name}`);
        }
      }
    }
  });

  void test("passes every flag of KubeStash's own kubedump Functions, filled from the same variable", () => {
    const upstream = docs.filter((d) => d.obj.kind === 'Function');
    assert.equal(upstream.length, 3);
    for (const { file, obj } of upstream) {
      const theirs = obj as unknown as FunctionObject;
      const ours = functions.get(theirs.metadata.name ?? '');
      assert.ok(ours, `${file}: Function ${String(theirs.metadata.name)}`);
      const flag = (a: string) => [a.split('=')[0], variables(a).join()] as const;
      const ourFlags = new Map((ours.spec.args ?? []).map(flag));
      for (const arg of (theirs.spec.args ?? []).slice(1)) {
        const [name, vars] = flag(arg);
        assert.equal(ourFlags.get(name), vars, `${file}: ${arg}`);
      }
    }
  });

  void test('every guide naming kubedump-addon names a task of the right kind and only parameters it declares', () => {
    const refs = docs.flatMap(({ file, obj }) => addonRefs(obj).map((r) => ({ file, ...r })));
    const kubedump = refs.filter((r) => r.addon === 'kubedump-addon');
    assert.ok(kubedump.length >= 10, `found ${kubedump.length} references to kubedump-addon`);
    assert.deepEqual(new Set(kubedump.map((r) => r.kind)), new Set(['backup', 'restore']));
    for (const r of kubedump) {
      const task = tasks(r.kind).find((t) => t.name === r.task);
      assert.ok(task, `${relative(DOCS, r.file)}: ${r.kind} task ${r.task} is in the catalog`);
      const declared = new Set((task.parameters ?? []).map((p) => p.name));
      for (const p of r.params)
        assert.ok(declared.has(p), `${relative(DOCS, r.file)}: ${r.task} parameter ${p}`);
    }
    // Other Addons the guides name are for databases, which Cairn does not back up.
    assert.deepEqual([...new Set(refs.map((r) => r.addon))].sort(), ['kubedump-addon', 'mysql-addon']);
  });

  void test('every guide backup runs `cairn kubedump backup` with flags it accepts, of the generation its params are written for', () => {
    const v1Params = new Set(['sanitize', 'labelSelector', 'includeDependants']);
    const backups = docs
      .flatMap(({ file, obj }) => addonRefs(obj).map((r) => ({ file, ...r })))
      .filter((r) => r.addon === 'kubedump-addon' && r.kind === 'backup');
    assert.ok(backups.length >= 8, `found ${backups.length} kubedump backups`);
    const fn = functions.get('kubedump-backup');
    const task = tasks('backup').find((t) => t.name === 'manifest-backup');
    assert.ok(fn && task);
    const generations = new Set<string | undefined>();
    for (const r of backups) {
      const where = relative(DOCS, r.file);
      const meta = (r.holder.metadata ?? {}) as { name?: string; namespace?: string };
      const spec = (r.holder.spec ?? {}) as Obj;
      const resolved = taskArgs(
        fn.spec,
        task,
        r.ref,
        backupBuiltins({
          namespace: meta.namespace ?? 'demo',
          backupSession: `${meta.name ?? ''}-frequent-backup-1708694700`,
          invokerKind: 'BackupConfiguration',
          invokerName: meta.name ?? '',
          ...(isObj(spec.target) ? { target: spec.target as { name: string } } : {}),
        }),
      );
      assert.deepEqual(
        [resolved.undeclaredParams, resolved.unusedParams, resolved.unknownVariables],
        [[], [], []],
        where,
      );
      assert.deepEqual(resolved.args.slice(0, 2), ['kubedump', 'backup'], where);
      const values: FlagValues = Object.fromEntries(
        resolved.args.slice(2).map((a) => {
          const eq = a.indexOf('=');
          return [a.slice(2, eq), a.slice(eq + 1)];
        }),
      );
      const request = parseDumpFlags(values);
      const written = r.params.some((p) => v1Params.has(p)) ? 'v1' : r.params.length > 0 ? 'v2' : undefined;
      assert.equal(request.generation, written, where);
      generations.add(written);
      assert.equal(request.backupSession, `${meta.name ?? ''}-frequent-backup-1708694700`, where);
    }
    assert.deepEqual(
      generations,
      new Set(['v1', 'v2', undefined]),
      'guides of both generations, and ones setting no filter',
    );
  });
});

interface AddonRef {
  addon: string;
  task: string;
  kind: 'backup' | 'restore';
  params: string[];
  /** The task reference as written, and the object holding it. */
  ref: Obj;
  holder: Obj;
}

/**
 * The Addon tasks an object names: sessions of a BackupConfiguration or BackupBlueprint run backup tasks;
 * a RestoreSession, and a BackupVerifier's restoreOption, run restore tasks.
 */
function addonRefs(obj: Obj): AddonRef[] {
  const out: AddonRef[] = [];
  const walk = (v: unknown, kind: 'backup' | 'restore'): void => {
    if (Array.isArray(v)) return v.forEach((x) => walk(x, kind));
    if (!isObj(v)) return;
    for (const [k, child] of Object.entries(v)) {
      if ((k === 'addon' || k === 'addonInfo') && isObj(child) && Array.isArray(child.tasks)) {
        for (const t of child.tasks as Obj[]) {
          out.push({
            addon: String(child.name),
            task: String(t.name),
            kind: k === 'addonInfo' ? 'restore' : kind,
            params: isObj(t.params) ? Object.keys(t.params) : [],
            ref: t,
            holder: obj,
          });
        }
      } else walk(child, kind);
    }
  };
  walk(obj.spec, obj.kind === 'RestoreSession' ? 'restore' : 'backup');
  return out;
}

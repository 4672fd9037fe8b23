// Every complete manifest of KubeStash's own docs must be accepted unchanged by Cairn's CRDs: a server-side
// dry run of each object succeeds, and no field of it is pruned. The docs folder is test data outside the
// repository (`../shared/kubestash-docs` next to the repository root, or $CAIRN_KUBESTASH_DOCS); nothing is
// copied from it. Objects of API groups that neither Cairn nor Kubernetes serves (KubeDB's MySQL, the
// database the verification guides back up) cannot be dry-run and are listed as a diagnostic instead.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { ALL_KINDS } from '../../src/api/kinds/index.ts';
import { adminKubeConfig } from '../harness/cluster.ts';
import { FIELD_MANAGER, installCrds, kubeRequest, resourcePath, statusMessage } from '../harness/crds.ts';

type Obj = Record<string, unknown>;

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DOCS_DIR = process.env.CAIRN_KUBESTASH_DOCS ?? join(REPO_ROOT, '..', 'shared', 'kubestash-docs');

const KUBESTASH_GROUPS = new Set(ALL_KINDS.map((k) => k.group));

/** Metadata only the server sets; an example read back from a cluster carries it. */
const SERVER_SET_METADATA = [
  'creationTimestamp',
  'generation',
  'resourceVersion',
  'uid',
  'managedFields',
  'selfLink',
];

interface Example {
  file: string;
  index: number;
  object: Obj;
}

function isRecord(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Partial manifests, fragments and output samples are not inputs. */
function isCompleteManifest(name: string): boolean {
  return (
    /\.ya?ml$/.test(name) &&
    !name.includes('-partial') &&
    !name.includes('fragment') &&
    !name.startsWith('expected-output-')
  );
}

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...yamlFiles(path));
    else if (isCompleteManifest(name)) out.push(path);
  }
  return out;
}

function loadExamples(dir: string): Example[] {
  const examples: Example[] = [];
  for (const path of yamlFiles(dir)) {
    const docs = parseAllDocuments(readFileSync(path, 'utf8'));
    let index = 0;
    for (const doc of Array.isArray(docs) ? docs : [docs]) {
      if (doc.errors.length > 0) throw new Error(`${path}: ${doc.errors.map((e) => e.message).join('; ')}`);
      const object: unknown = doc.toJS();
      if (object === null || object === undefined) continue;
      if (!isRecord(object)) throw new Error(`${path}: document ${index} is not an object`);
      examples.push({ file: relative(dir, path), index: index++, object });
    }
  }
  return examples;
}

function groupVersion(obj: Obj): { group: string; version: string } {
  const apiVersion = String(obj.apiVersion);
  const slash = apiVersion.indexOf('/');
  return slash < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

function metadataOf(obj: Obj): Obj {
  return isRecord(obj.metadata) ? obj.metadata : {};
}

/** The object as a user would apply it: without server-set metadata and without status. */
function asInput(obj: Obj): Obj {
  const metadata = { ...metadataOf(obj) };
  for (const key of SERVER_SET_METADATA) delete metadata[key];
  const { status: _status, ...rest } = obj;
  return { ...rest, metadata };
}

type Path = (string | number)[];

/** Every leaf path of `value` (scalars, empty objects, empty lists), as segments (keys may hold dots). */
function leafPaths(value: unknown, path: Path = []): Path[] {
  if (Array.isArray(value)) {
    if (value.length === 0) return [path];
    return value.flatMap((v, i) => leafPaths(v, [...path, i]));
  }
  if (isRecord(value)) {
    const keys = Object.keys(value);
    if (keys.length === 0) return [path];
    return keys.flatMap((k) => leafPaths(value[k], [...path, k]));
  }
  return [path];
}

function has(value: unknown, path: Path): boolean {
  let current: unknown = value;
  for (const part of path) {
    if (typeof part === 'number') {
      if (!Array.isArray(current) || part >= current.length) return false;
      current = current[part];
    } else {
      if (!isRecord(current) || !(part in current)) return false;
      current = current[part];
    }
  }
  return true;
}

function showPath(path: Path): string {
  return path
    .map((p, i) =>
      typeof p === 'number' ? `[${p}]` : /^[\w-]+$/.test(p) ? `${i > 0 ? '.' : ''}${p}` : `["${p}"]`,
    )
    .join('');
}

/**
 * The input paths missing from the server's answer. A Secret's stringData is written into data by the
 * server, so `stringData.k` is looked up as `data.k`.
 */
function prunedPaths(input: Obj, output: Obj): string[] {
  const isSecret = input.kind === 'Secret' && input.apiVersion === 'v1';
  return leafPaths(input)
    .filter((path) => !has(output, isSecret && path[0] === 'stringData' ? ['data', ...path.slice(1)] : path))
    .map(showPath);
}

/** The URL path of an object's kind: Cairn's Kinds by their definition, others by discovery. */
const discovered = new Map<string, Obj[] | undefined>();
async function collectionPath(obj: Obj): Promise<string | undefined> {
  const { group, version } = groupVersion(obj);
  const namespace = metadataOf(obj).namespace as string | undefined;
  const own = ALL_KINDS.find((k) => k.group === group && k.kind === obj.kind);
  if (own) return resourcePath(own, namespace);
  const base = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
  if (!discovered.has(base)) {
    const res = await kubeRequest(adminKubeConfig(), 'GET', base);
    discovered.set(base, res.status === 200 ? (res.body as { resources: Obj[] }).resources : undefined);
  }
  const resource = discovered.get(base)?.find((r) => r.kind === obj.kind && !String(r.name).includes('/'));
  if (!resource) return undefined;
  const ns = resource.namespaced === true && namespace ? `/namespaces/${namespace}` : '';
  return `${base}${ns}/${String(resource.name)}`;
}

const APPLY = 'application/apply-patch+yaml';

async function dryRunApply(path: string, obj: Obj): Promise<{ status: number; body: unknown }> {
  const name = String(metadataOf(obj).name);
  return kubeRequest(
    adminKubeConfig(),
    'PATCH',
    `${path}/${name}?dryRun=All&fieldManager=${FIELD_MANAGER}&force=true`,
    {
      body: obj,
      contentType: APPLY,
    },
  );
}

/** Namespaces and Secrets the examples refer to, which their guides create with kubectl. */
function dependencies(examples: Example[]): { namespaces: Set<string>; secrets: Map<string, Set<string>> } {
  const namespaces = new Set<string>();
  const secrets = new Map<string, Set<string>>();
  const addSecret = (namespace: string, name: string) => {
    namespaces.add(namespace);
    const names = secrets.get(namespace) ?? new Set<string>();
    names.add(name);
    secrets.set(namespace, names);
  };
  for (const { object } of examples) {
    const namespace = metadataOf(object).namespace;
    if (typeof namespace === 'string') namespaces.add(namespace);
    const walk = (value: unknown, ns: string): void => {
      if (Array.isArray(value)) value.forEach((v) => walk(v, ns));
      if (!isRecord(value)) return;
      for (const [key, child] of Object.entries(value)) {
        if (key === 'secretName' && typeof child === 'string') addSecret(ns, child);
        if (key === 'encryptionSecret' && isRecord(child) && typeof child.name === 'string') {
          addSecret(typeof child.namespace === 'string' ? child.namespace : ns, child.name);
        }
        walk(child, ns);
      }
    };
    if (KUBESTASH_GROUPS.has(groupVersion(object).group) && typeof namespace === 'string')
      walk(object.spec, namespace);
  }
  return { namespaces, secrets };
}

if (!existsSync(DOCS_DIR)) {
  // A missing folder fails the suite: a check that skips itself in CI is a check nobody runs.
  void test('the KubeStash docs examples are accepted by the CRDs', () => {
    assert.fail(
      `the KubeStash docs examples folder ${DOCS_DIR} does not exist: put the kubestash-docs folder at ../shared/kubestash-docs next to the repository root, or set CAIRN_KUBESTASH_DOCS to its path`,
    );
  });
} else {
  const examples = loadExamples(DOCS_DIR);

  void describe('KubeStash docs examples', () => {
    const created: { namespaces: string[]; secrets: [string, string][] } = { namespaces: [], secrets: [] };

    before(async () => {
      const kc = adminKubeConfig();
      await installCrds(kc);
      const { namespaces, secrets } = dependencies(examples);
      for (const ns of [...namespaces].sort()) {
        const res = await kubeRequest(kc, 'POST', '/api/v1/namespaces', {
          body: {
            apiVersion: 'v1',
            kind: 'Namespace',
            metadata: { name: ns, labels: { 'cairn.dev/test': 'true' } },
          },
        });
        if (res.status === 201) created.namespaces.push(ns);
        else if (res.status !== 409) throw new Error(`namespace ${ns}: ${statusMessage(res.body)}`);
      }
      for (const [ns, names] of secrets) {
        for (const name of names) {
          const res = await kubeRequest(kc, 'POST', `/api/v1/namespaces/${ns}/secrets`, {
            body: {
              apiVersion: 'v1',
              kind: 'Secret',
              metadata: { name },
              stringData: { RESTIC_PASSWORD: 'not-a-secret' },
            },
          });
          if (res.status === 201) created.secrets.push([ns, name]);
          else if (res.status !== 409) throw new Error(`secret ${ns}/${name}: ${statusMessage(res.body)}`);
        }
      }
    });

    after(async () => {
      const kc = adminKubeConfig();
      for (const [ns, name] of created.secrets)
        await kubeRequest(kc, 'DELETE', `/api/v1/namespaces/${ns}/secrets/${name}`);
      for (const ns of created.namespaces) await kubeRequest(kc, 'DELETE', `/api/v1/namespaces/${ns}`);
    });

    void test('the docs folder holds KubeStash manifests of every group', () => {
      const groups = new Set(examples.map((e) => groupVersion(e.object).group));
      for (const group of KUBESTASH_GROUPS)
        assert.ok(groups.has(group), `no example of ${group} in ${DOCS_DIR}`);
    });

    for (const example of examples) {
      const { object } = example;
      const label = `${example.file} #${example.index} ${String(object.kind)}/${String(metadataOf(object).name)}`;
      void test(`${label} is accepted by a server-side dry run with no field pruned`, async (t) => {
        const path = await collectionPath(object);
        if (path === undefined) {
          assert.ok(
            !KUBESTASH_GROUPS.has(groupVersion(object).group),
            `${label}: Cairn does not serve this Kind`,
          );
          t.diagnostic(
            `${String(object.apiVersion)} ${String(object.kind)} is not served by the dev cluster (not a KubeStash Kind); not checked`,
          );
          return;
        }
        const input = asInput(object);
        const res = await dryRunApply(path, input);
        assert.equal(res.status < 300, true, `${label}: HTTP ${res.status}: ${statusMessage(res.body)}`);
        assert.deepEqual(prunedPaths(input, res.body as Obj), [], `${label}: fields pruned by the server`);
      });

      if (isRecord(object.status) && KUBESTASH_GROUPS.has(groupVersion(object).group)) {
        void test(`${label} keeps every field of its status`, async () => {
          // A status is written through the status subresource of an existing object.
          const kc = adminKubeConfig();
          const path = await collectionPath(object);
          assert.ok(path);
          const name = String(metadataOf(object).name);
          const { finalizers: _f, ownerReferences: _o, ...metadata } = asInput(object).metadata as Obj;
          const created = await kubeRequest(kc, 'POST', path, { body: { ...asInput(object), metadata } });
          assert.equal(created.status, 201, `${label}: ${statusMessage(created.body)}`);
          try {
            const body = {
              apiVersion: object.apiVersion,
              kind: object.kind,
              metadata: { name },
              status: object.status,
            };
            const res = await kubeRequest(
              kc,
              'PATCH',
              `${path}/${name}/status?dryRun=All&fieldManager=${FIELD_MANAGER}&force=true`,
              { body, contentType: APPLY },
            );
            assert.equal(res.status, 200, `${label}: ${statusMessage(res.body)}`);
            assert.deepEqual(
              prunedPaths({ status: object.status }, res.body as Obj),
              [],
              `${label}: status fields pruned`,
            );
          } finally {
            await kubeRequest(kc, 'DELETE', `${path}/${name}`);
          }
        });
      }
    }
  });
}

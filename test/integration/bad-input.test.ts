// The bad-input corpus (test/bad-input/*.yaml): every file is applied to the dev cluster and must be refused
// by the API server (schema, CEL, or Cairn's webhooks), with a message that names the offending field.
//
// Each document is created (or, when a setup document of the same name exists, replaced), as `kubectl
// create` / `kubectl replace` would; server-side apply is not used because the API server answers a
// type mismatch in an apply patch with a 500 that names the field only in its text.
//
// File format: the header comments hold one `# expect: <field path>` line (text the message must contain:
// the exact field, with list indexes; where the field is `spec` itself, also the words that follow it, since
// a bare `spec` would be found in any message).
// Documents before the last are setup objects and must be accepted (a `status` in one is written through
// the status subresource); the last document is the bad input. `${NS}` is the test's namespace (the
// default for objects without one), `${OTHER_NS}` a second namespace created for the file.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { apiMessage, isNotFound, statusCode } from '../../src/kube/errors.ts';
import { projectRoot } from '../../src/devcluster/toolchain.ts';
import { KUBESTASH, apiVersionOf } from '../../src/api/resource-type.ts';
import { clusterTest } from '../harness/cluster.ts';

const corpusDir = join(projectRoot, 'test', 'bad-input');
const files = readdirSync(corpusDir)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

interface Case {
  expect: string;
  documents: KubernetesObject[];
}

function load(file: string, ns: string, otherNs: string): Case {
  const text = readFileSync(join(corpusDir, file), 'utf8');
  const expect = /^# expect: (.+)$/m.exec(text)?.[1]?.trim();
  if (!expect) throw new Error(`${file}: no "# expect: <field>" line`);
  const substituted = text.replaceAll('${NS}', ns).replaceAll('${OTHER_NS}', otherNs);
  const documents = parseAllDocuments(substituted).map((d) => {
    const o = d.toJS() as KubernetesObject;
    o.metadata = { ...o.metadata, namespace: o.metadata?.namespace ?? ns };
    return o;
  });
  return { expect, documents };
}

const RESOURCES = Object.values(KUBESTASH);

/**
 * Creates the object, or replaces it when it exists (an update to exactly this document), the way a user's
 * `kubectl create` / `kubectl replace` reaches the API server; a `status` is then written through the status
 * subresource. Custom-object calls send the JSON as is.
 */
async function apply(kc: KubeConfig, obj: KubernetesObject): Promise<void> {
  const r = RESOURCES.find((x) => x.kind === obj.kind && obj.apiVersion === apiVersionOf(x));
  if (!r) throw new Error(`the corpus runner does not know ${obj.apiVersion} ${obj.kind}`);
  const api = kc.makeApiClient(CustomObjectsApi);
  const ref = {
    group: r.group,
    version: r.version,
    plural: r.plural,
    namespace: obj.metadata?.namespace ?? '',
  };
  const name = obj.metadata?.name ?? '';
  const { status, ...body } = obj as KubernetesObject & { status?: unknown };
  // A reconciler may write the object between the read and the replace (a finalizer, its status): the
  // replace then meets a 409 before admission sees it, so it is read again and sent again, as a user would.
  for (let attempt = 1; ; attempt++) {
    let current: KubernetesObject | undefined;
    try {
      current = (await api.getNamespacedCustomObject({ ...ref, name })) as KubernetesObject;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    try {
      if (current) {
        body.metadata = { ...body.metadata, resourceVersion: current.metadata?.resourceVersion };
        await api.replaceNamespacedCustomObject({ ...ref, name, body });
      } else {
        await api.createNamespacedCustomObject({ ...ref, body });
      }
      break;
    } catch (err) {
      if (!current || statusCode(err) !== 409 || attempt >= 5) throw err;
    }
  }
  if (status !== undefined) {
    await api.patchNamespacedCustomObjectStatus(
      { ...ref, name, body: { status } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }
}

void test('the bad-input corpus holds at least 40 cases, each naming the field it expects', () => {
  assert.ok(files.length >= 40, `only ${files.length} files in test/bad-input`);
  for (const f of files) assert.doesNotThrow(() => load(f, 'ns', 'other'), f);
});

for (const file of files) {
  clusterTest(
    `bad input ${file.replace(/\.yaml$/, '')} is rejected naming its field`,
    async ({ kc, core, namespace }, t) => {
      const otherNs = `${namespace}-o`;
      const c = load(file, namespace, otherNs);
      const needsOther = c.documents.some((d) => d.metadata?.namespace === otherNs);
      if (needsOther)
        await core.createNamespace({
          body: { metadata: { name: otherNs, labels: { 'cairn.dev/test': 'true' } } },
        });
      try {
        const bad = c.documents.at(-1);
        assert.ok(bad, `${file} has no document`);
        for (const setup of c.documents.slice(0, -1)) {
          try {
            await apply(kc, setup);
          } catch (err) {
            assert.fail(
              `${file}: setup ${setup.kind} ${setup.metadata?.name} was refused: ${apiMessage(err)}`,
            );
          }
        }
        let refused: unknown;
        try {
          await apply(kc, bad);
        } catch (err) {
          refused = err;
        }
        assert.ok(refused, `${file}: the API server accepted the bad ${bad.kind}`);
        const code = statusCode(refused) ?? 0;
        const message = apiMessage(refused);
        assert.ok(code >= 400 && code < 500 && code !== 404, `${file}: HTTP ${code}: ${message}`);
        t.diagnostic(`HTTP ${code}: ${message}`);
        assert.ok(message.includes(c.expect), `${file}: the message does not name ${c.expect}:\n${message}`);
      } finally {
        if (needsOther) await core.deleteNamespace({ name: otherNs }).catch(() => undefined);
      }
    },
  );
}

// The first-generation (v1) dump layout against the dev cluster: an application with its dependants nested
// under it, and KubeStash's v1 expected-output samples coming back field for field.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after } from 'node:test';
import { parse } from 'yaml';
import { K8S } from '../../../src/api/resource-type.ts';
import { dump } from '../../../src/dump/dump.ts';
import type { DumpScope } from '../../../src/dump/select.ts';
import type { KubeObject } from '../../../src/kube/types.ts';
import { clusterTest } from '../../harness/cluster.ts';
import { files, removeTemps, seed, tmp } from './fixture.ts';

after(removeTemps);

clusterTest(
  'the v1 application scope dumps the Deployment and the objects its ownerReferences lead to, nested',
  async ({ client, namespace }) => {
    await seed(client, namespace);
    const web = await client.get(K8S.deployments, 'web', namespace);
    const ref = (o: KubeObject, kind: string, apiVersion: string) => ({
      apiVersion,
      kind,
      name: o.metadata?.name ?? '',
      uid: o.metadata?.uid ?? '',
    });
    const child = await client.create(K8S.configMaps, {
      metadata: { name: 'child', namespace, ownerReferences: [ref(web, 'Deployment', 'apps/v1')] },
      data: { k: 'v' },
    });
    await client.create(K8S.secrets, {
      metadata: { name: 'grandchild', namespace, ownerReferences: [ref(child, 'ConfigMap', 'v1')] },
      stringData: { k: 'v' },
    });
    const dir = tmp();
    const scope: DumpScope = {
      generation: 'v1',
      target: 'application',
      namespace,
      group: 'apps',
      kind: 'Deployment',
      name: 'web',
      includeDependants: true,
    };
    await dump({ client, dir, scope });
    assert.deepEqual(files(dir), [
      'ConfigMap/child/Secret/grandchild/grandchild.yaml',
      'ConfigMap/child/child.yaml',
      'web.yaml',
    ]);
    const root = parse(readFileSync(join(dir, 'web.yaml'), 'utf8')) as KubeObject;
    assert.deepEqual(root.metadata, { name: 'web', namespace });
    const second = await dump({ client, dir, scope });
    assert.equal(second.files.written, 0);
  },
);

/** KubeStash's docs (test data outside the repository; nothing is copied from them). */
const DOCS_DIR =
  process.env.CAIRN_KUBESTASH_DOCS ??
  join(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..'), '..', 'shared', 'kubestash-docs');

/** A v1 expected-output sample: a shell line naming the file, then the YAML of one object. */
function sample(path: string): KubeObject {
  const text = readFileSync(join(DOCS_DIR, 'kubedump-v1', path), 'utf8');
  return parse(text.replace(/^\$ cat .*\n/, '')) as KubeObject;
}

clusterTest(
  'the first generation samples of KubeStash come back field for field after a v1 dump',
  async ({ client, namespace }) => {
    // The Deployment sample, created in the test namespace. The dev cluster runs no Deployment controller,
    // so the revision annotation the sample carries (the controller's) is created with it.
    const deployment = sample('application/expected-output-deployment-kubestash-operator.yaml');
    deployment.metadata = { ...deployment.metadata, namespace };
    await client.create(K8S.deployments, deployment);
    const configMap = sample('cluster/expected-output-configmap-kube-system-kubeadm-config.yaml');
    configMap.metadata = { ...configMap.metadata, namespace };
    await client.create(K8S.configMaps, configMap);

    const app = tmp();
    await dump({
      client,
      dir: app,
      scope: {
        generation: 'v1',
        target: 'application',
        namespace,
        group: 'apps',
        kind: 'Deployment',
        name: deployment.metadata.name ?? '',
      },
    });
    assert.deepEqual(files(app), [`${deployment.metadata.name}.yaml`]);
    assert.deepEqual(parse(readFileSync(join(app, `${deployment.metadata.name}.yaml`), 'utf8')), deployment);

    const ns = tmp();
    await dump({ client, dir: ns, scope: { generation: 'v1', target: 'namespace', namespace } });
    assert.deepEqual(parse(readFileSync(join(ns, 'ConfigMap/kubeadm-config.yaml'), 'utf8')), configMap);
  },
);

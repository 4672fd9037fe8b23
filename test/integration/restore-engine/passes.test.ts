// The restore engine's further passes: what fails for want of a dependency is written again, and a CRD whose
// names are not accepted (the seeded Gadget CRD holds its singular name) fails its custom resources by name.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { kubedumpFilter } from '../../../src/api/kubedump-filter.ts';
import { renderYaml } from '../../../src/dump/render.ts';
import { restore } from '../../../src/restore/engine.ts';
import { GROUP, ID, R, client, find, show, t, tmp, usePrivateCluster } from './fixture.ts';
import { seed } from './seed.ts';

usePrivateCluster(seed);

test('what fails for want of a dependency is written again in further passes, and a CRD that never becomes Established fails its custom resources by name', async () => {
  const ns = `guarded-${ID}`;
  const hand = tmp();
  const put = (file: string, text: string): void => {
    const path = join(hand, file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  };
  // A CRD whose singular name the Gadget CRD of the same group holds already: its names are not accepted.
  const widgets = `widgets.${GROUP}`;
  put(
    `customresourcedefinitions.apiextensions.k8s.io/cluster/${widgets}.yaml`,
    renderYaml({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: widgets },
      spec: {
        group: GROUP,
        scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'gadget', kind: 'Widget', listKind: 'WidgetList' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
          },
        ],
      },
    }),
  );
  put(
    `widgets.${GROUP}/namespaces/${ns}/w1.yaml`,
    renderYaml({ apiVersion: `${GROUP}/v1`, kind: 'Widget', metadata: { name: 'w1', namespace: ns } }),
  );
  const cm = (name: string, labels: Record<string, string> = {}) =>
    renderYaml({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: ns, labels },
      data: { a: '1' },
    });
  put(`configmaps/namespaces/${ns}/plain.yaml`, cm('plain'));
  put(`configmaps/namespaces/${ns}/guarded.yaml`, cm('guarded', { guarded: ID }));
  put(`configmaps/namespaces/${ns}/broken.yaml`, 'data: [not closed\n');

  // A webhook that no server answers, for the labelled ConfigMap only: its create fails with a 500.
  const webhook = t(
    'admissionregistration.k8s.io',
    'v1',
    'validatingwebhookconfigurations',
    'ValidatingWebhookConfiguration',
    false,
  );
  await client.create(webhook, {
    metadata: { name: `unanswered-${ID}` },
    webhooks: [
      {
        name: `unanswered.${GROUP}`,
        clientConfig: { url: 'https://127.0.0.1:1/validate' },
        rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['configmaps'] }],
        objectSelector: { matchLabels: { guarded: ID } },
        failurePolicy: 'Fail',
        sideEffects: 'None',
        admissionReviewVersions: ['v1'],
        timeoutSeconds: 2,
      },
    ],
  });
  try {
    const summary = await restore({
      client,
      root: hand,
      filter: kubedumpFilter({ includeClusterResources: true }),
      maxIterations: 2,
    });
    assert.equal(summary.passes, 2, show(summary));
    assert.equal(find(summary, 'configmaps', 'plain', ns).outcome, 'created', show(summary));
    assert.equal(find(summary, 'namespaces', ns).outcome, 'created', show(summary));
    const guarded = find(summary, 'configmaps', 'guarded', ns);
    assert.equal(guarded.outcome, 'failed');
    assert.equal(guarded.reason, 'WebhookUnavailable');
    assert.match(guarded.message ?? '', /after 2 passes/);
    assert.equal(find(summary, 'customresourcedefinitions.apiextensions.k8s.io', widgets).outcome, 'created');
    const w1 = find(summary, `widgets.${GROUP}`, 'w1', ns);
    assert.equal(w1.outcome, 'failed');
    assert.equal(w1.reason, 'CRDNotEstablished');
    assert.match(
      w1.message ?? '',
      new RegExp(`CRD ${widgets.replaceAll('.', '\\.')} .*names were not accepted`),
    );
    const broken = summary.results.find((r) => r.reason === 'UnreadableFile');
    assert.ok(broken, show(summary));
    assert.match(broken.message ?? '', /configmaps\/namespaces\/.*\/broken\.yaml/);
    assert.equal(summary.results.length, 6, show(summary));
    assert.equal(await client.find(R.configMaps, 'guarded', ns), undefined);
  } finally {
    await client.delete(webhook, `unanswered-${ID}`);
  }
});

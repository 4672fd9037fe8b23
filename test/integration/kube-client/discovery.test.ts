// Cairn's own Kubernetes client (src/kube) against the dev cluster: discovery of built-in and KubeStash
// resources, preferred versions, and an aggregated group version that is down.
import assert from 'node:assert/strict';
import type { ResourceType } from '../../../src/api/resource-type.ts';
import { waitFor } from '../../../src/devcluster/probe.ts';
import { discover } from '../../../src/kube/discovery.ts';
import { clusterTest } from '../../harness/cluster.ts';

clusterTest(
  'discovery finds built-in and KubeStash resources and reports a group version that is down',
  async ({ client }) => {
    const apiService = {
      apiVersion: 'apiregistration.k8s.io/v1',
      kind: 'APIService',
      metadata: { name: 'v1.broken.cairn.dev' },
      spec: {
        group: 'broken.cairn.dev',
        version: 'v1',
        groupPriorityMinimum: 100,
        versionPriority: 10,
        insecureSkipTLSVerify: true,
        service: { name: 'nothing-serves-this', namespace: 'default', port: 443 },
      },
    };
    const apiServices: ResourceType = {
      group: 'apiregistration.k8s.io',
      version: 'v1',
      plural: 'apiservices',
      kind: 'APIService',
      namespaced: false,
    };
    await client.create(apiServices, apiService);
    try {
      for (const legacy of [false, true]) {
        const d = await waitFor(
          async () => {
            const found = await discover(client, { legacy });
            return found.failed.some((f) => f.groupVersion === 'broken.cairn.dev/v1') ? found : undefined;
          },
          { what: `the broken group version reported (legacy: ${legacy})`, timeoutMs: 30_000 },
        );
        const find = (group: string, plural: string) =>
          d.resources.find((r) => r.group === group && r.plural === plural && r.preferred);
        assert.deepEqual(
          { ...find('', 'pods'), verbs: [], subresources: [] },
          {
            group: '',
            version: 'v1',
            plural: 'pods',
            kind: 'Pod',
            namespaced: true,
            preferred: true,
            shortNames: ['po'],
            verbs: [],
            subresources: [],
          },
        );
        assert.ok(find('', 'pods')?.subresources.includes('status'));
        assert.ok(find('', 'pods')?.verbs.includes('watch'));
        assert.equal(find('batch', 'jobs')?.kind, 'Job');
        const bc = find('core.kubestash.com', 'backupconfigurations');
        assert.deepEqual([bc?.version, bc?.kind, bc?.namespaced], ['v1alpha1', 'BackupConfiguration', true]);
        assert.equal(find('', 'namespaces')?.namespaced, false);
        assert.ok(
          !d.resources.some((r) => r.plural.includes('/')),
          'subresources are not listed as resources',
        );
      }
    } finally {
      await client.delete(apiServices, apiService.metadata.name);
    }
  },
);

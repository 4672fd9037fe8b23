// Events are best effort in the reconcilers (a lost Event never fails a reconcile), so nothing else would
// notice if the API server refused every one: this test writes one for real and reads it back.
import assert from 'node:assert/strict';
import { clusterTest } from '../harness/cluster.ts';
import { K8S } from '../../src/api/resource-type.ts';
import { EventType, recordEvent } from '../../src/controller/events.ts';
import type { KubeObject } from '../../src/kube/types.ts';

clusterTest(
  'recordEvent writes an events.k8s.io Event that names the object it is about',
  async ({ client, namespace }) => {
    const cm = await client.create<KubeObject>(K8S.configMaps, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'subject-with-a-long-name-'.padEnd(240, 'x'), namespace },
    });
    await recordEvent(client, {
      regarding: cm,
      type: EventType.Warning,
      reason: 'BackendInitializationFailed',
      action: 'InitializeBackend',
      note: 'the endpoint could not be reached',
    });
    const events = (await client.listAll(K8S.events, { namespace })).items as {
      reason?: string;
      type?: string;
      note?: string;
      regarding?: { name?: string; uid?: string; kind?: string };
      reportingController?: string;
    }[];
    const mine = events.filter((e) => e.regarding?.uid === cm.metadata?.uid);
    assert.equal(mine.length, 1, `one Event about the ConfigMap, got ${JSON.stringify(events)}`);
    assert.equal(mine[0]?.reason, 'BackendInitializationFailed');
    assert.equal(mine[0]?.type, 'Warning');
    assert.equal(mine[0]?.regarding?.kind, 'ConfigMap');
    assert.equal(mine[0]?.note, 'the endpoint could not be reached');
    assert.equal(mine[0]?.reportingController, 'cairn.dev/operator');
  },
);

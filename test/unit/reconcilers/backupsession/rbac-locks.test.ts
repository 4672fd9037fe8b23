import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sessionRules } from '../../../../src/reconcilers/backupsession/rbac.ts';

void test("the backup Job's Role lets it list pods and Jobs of its namespace to judge a stale restic lock, and no more on them", () => {
  const rules = sessionRules({
    configuration: {
      metadata: { name: 'bc', namespace: 'demo' },
      spec: { backends: [{ name: 'main', storageRef: { name: 'store' } }] },
    },
    spec: { name: 'frequent', repositories: [{ name: 'repo', backend: 'main' }] },
    serviceAccount: 'backup-bc-frequent',
    storage: () => undefined,
  });
  const own = rules.get('demo') ?? [];
  const on = (group: string, resource: string) =>
    own.filter((r) => r.apiGroups.includes(group) && r.resources.includes(resource)).flatMap((r) => r.verbs);
  assert.deepEqual(on('', 'pods'), ['list']);
  assert.deepEqual(on('batch', 'jobs'), ['list']);
});

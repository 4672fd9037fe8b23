import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sessionRbac } from '../../../../src/reconcilers/backupsession/rbac.ts';

const input = (managed: boolean, serviceAccount: string) => ({
  configuration: {
    metadata: { name: 'bc', namespace: 'demo', uid: 'bc-uid' },
    spec: { backends: [{ name: 'main', storageRef: { name: 'store' } }] },
  },
  spec: { name: 'frequent', repositories: [{ name: 'repo', backend: 'main' }] },
  serviceAccount,
  managed,
  storage: () => undefined,
});

void test("a ServiceAccount the jobTemplate names is bound to the session's Role under the session's name, neither created nor given the dump reader", () => {
  const objects = sessionRbac(input(false, 'cluster-resource-reader'));
  assert.deepEqual(
    objects.map((o) => `${o.object.kind ?? ''}/${o.object.metadata?.name ?? ''}`),
    ['Role/backup-bc-frequent', 'RoleBinding/backup-bc-frequent'],
  );
  const binding = objects[1]?.object as {
    subjects: { name: string; namespace: string }[];
    roleRef: { name: string };
  };
  assert.deepEqual(binding.subjects, [
    { kind: 'ServiceAccount', name: 'cluster-resource-reader', namespace: 'demo' },
  ]);
  assert.equal(binding.roleRef.name, 'backup-bc-frequent');
});

void test('a ServiceAccount Cairn makes for the session is created, bound to its Role and to the dump reader', () => {
  const kinds = sessionRbac(input(true, 'backup-bc-frequent')).map((o) => o.object.kind);
  assert.deepEqual(kinds, ['ServiceAccount', 'Role', 'RoleBinding', 'ClusterRoleBinding']);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BackupConfiguration } from '../../../../src/api/kinds/backupconfiguration.ts';
import type { Repository } from '../../../../src/api/kinds/repository.ts';
import { repositoriesToDelete } from '../../../../src/reconcilers/backupconfiguration/deletion.ts';

const bc = {
  metadata: { name: 'bc', namespace: 'demo' },
  spec: {
    backends: [{ name: 'b', storageRef: { name: 's' }, retentionPolicy: { name: 'p' } }],
    sessions: [
      {
        name: 'one',
        scheduler: { schedule: '@daily', jobTemplate: {} },
        addon: { name: 'kubedump-addon', tasks: [{ name: 'manifest-backup' }] },
        repositories: [
          { name: 'plain', backend: 'b', directory: '/plain' },
          { name: 'wiped', backend: 'b', directory: '/wiped', deletionPolicy: 'WipeOut' },
          { name: 'kept', backend: 'b', directory: '/kept', deletionPolicy: 'Retain' },
          { name: 'foreign', backend: 'b', directory: '/foreign' },
          { name: 'missing', backend: 'b', directory: '/missing' },
        ],
      },
    ],
  },
} as unknown as BackupConfiguration;

const repo = (name: string, path: string): Repository =>
  ({
    metadata: { name, namespace: 'demo' },
    spec: { storageRef: { name: 's', namespace: 'demo' }, path },
  }) as Repository;

test('deleting a configuration deletes its Delete and WipeOut Repositories, keeps Retain ones and never touches a Repository of another path', () => {
  const existing: Record<string, Repository> = {
    plain: repo('plain', '/plain'),
    wiped: repo('wiped', '/wiped'),
    kept: repo('kept', '/kept'),
    foreign: repo('foreign', '/someone-else'),
  };
  assert.deepEqual(
    repositoriesToDelete(bc, (n) => existing[n]),
    ['plain', 'wiped'],
  );
});

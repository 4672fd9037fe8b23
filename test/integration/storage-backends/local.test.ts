// The local storage backend against a real directory: the behaviours every provider shares, and writes that
// leave no temp file behind and never create the mount directory. No dev cluster is needed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StorageErrorKind } from '../../../src/storage/classify.ts';
import type { StorageSpec } from '../../../src/storage/types.ts';
import { close, isKind, open, ready, type Target } from './fixture.ts';
import { sharedBehaviours } from './shared-behaviours.ts';

describe('local backend', () => {
  let dir = '';
  let t: Target | undefined;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-local-backend-'));
    mkdirSync(join(dir, 'mounted'));
    const spec: StorageSpec = {
      provider: 'local',
      local: { mountPath: '/safe/data', hostPath: { path: '/x' } },
    };
    t = await open(
      spec,
      spec,
      {},
      { localRoot: join(dir, 'mounted') },
      { localRoot: join(dir, 'not-mounted') },
    );
  });
  after(async () => {
    await close(t);
    rmSync(dir, { recursive: true, force: true });
  });

  sharedBehaviours(() => ready(t));

  test('writes leave no temp file behind and never create the mount directory', async () => {
    const { backend, missing } = ready(t);
    await backend.put('a/b/c.yaml', 'x');
    assert.deepEqual(readdirSync(join(dir, 'mounted', 'a', 'b')), ['c.yaml']);
    await assert.rejects(missing.put('a.yaml', 'x'), isKind(StorageErrorKind.bucketMissing));
    assert.deepEqual(readdirSync(dir), ['mounted']);
  });
});

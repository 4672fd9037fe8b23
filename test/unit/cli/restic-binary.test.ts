// Which restic `cairn repo` runs: --restic, else restic on PATH, else the one the project's setup built
// into its cache (so `cairn repo` works after `make demo` without restic installed), else a clear error.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { RepoCliError } from '../../../src/cli/repo/errors.ts';
import { findRestic } from '../../../src/cli/repo/restic-binary.ts';
import { pinnedVersions } from '../../../src/devcluster/toolchain.ts';

let work = '';

function executable(path: string): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, '#!/bin/sh\n');
  chmodSync(path, 0o755);
  return path;
}

before(() => {
  work = mkdtempSync(join(tmpdir(), 'cairn-restic-binary-'));
});
after(() => rmSync(work, { recursive: true, force: true }));

describe('the restic binary', () => {
  test('--restic wins, and must be an executable file', () => {
    const explicit = executable(join(work, 'explicit', 'restic'));
    assert.equal(findRestic(explicit, { PATH: '' }), explicit);
    assert.throws(
      () => findRestic(join(work, 'explicit'), { PATH: '' }),
      (err: unknown) =>
        err instanceof RepoCliError && /--restic \S+explicit is not an executable file/.test(err.message),
    );
  });

  test('restic on PATH comes before the one setup built', () => {
    const cache = join(work, 'cache-both');
    executable(join(cache, 'bin', `restic-${pinnedVersions().RESTIC_VERSION}`, 'restic'));
    const onPath = executable(join(work, 'path-bin', 'restic'));
    assert.equal(findRestic(undefined, { PATH: join(work, 'path-bin'), CAIRN_CACHE: cache }), onPath);
  });

  test('without restic on PATH, the restic setup built into the cache is used', () => {
    const cache = join(work, 'cache');
    const built = executable(join(cache, 'bin', `restic-${pinnedVersions().RESTIC_VERSION}`, 'restic'));
    assert.equal(findRestic(undefined, { PATH: join(work, 'empty'), CAIRN_CACHE: cache }), built);
  });

  test('with neither, the error says where it looked and what to do', () => {
    const cache = join(work, 'no-cache');
    assert.throws(
      () => findRestic(undefined, { PATH: join(work, 'empty'), CAIRN_CACHE: cache }),
      (err: unknown) =>
        err instanceof RepoCliError &&
        err.message.startsWith('restic was not found on PATH nor at ') &&
        err.message.includes(join(cache, 'bin')) &&
        /where 'make setup' builds it: install restic .* or pass --restic PATH$/.test(err.message),
    );
  });
});

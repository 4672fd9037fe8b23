import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { projectRoot } from '../../src/devcluster/toolchain.ts';

const build = join(projectRoot, 'tools', 'testbin', 'build.sh');

function runBuild(env: Record<string, string>): { status: number | null; stderr: string } {
  const cache = mkdtempSync(join(tmpdir(), 'cairn-setup-'));
  try {
    const r = spawnSync('bash', [build, 'restic'], {
      env: { HOME: process.env.HOME ?? '', CAIRN_CACHE: cache, ...env },
      encoding: 'utf8',
    });
    return { status: r.status, stderr: r.stderr };
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
}

test('setup without Go says so and names the fix', () => {
  const r = runBuild({ PATH: '/usr/bin:/bin' });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /Go is not installed\. Install Go >= 1\.26/);
});

test('setup that cannot reach the Go module proxy says so', () => {
  const goBin = spawnSync('bash', ['-c', 'dirname "$(command -v go)"'], { encoding: 'utf8' }).stdout.trim();
  const modcache = mkdtempSync(join(tmpdir(), 'cairn-gomod-'));
  try {
    const r = runBuild({
      PATH: `${goBin}:/usr/bin:/bin`,
      GOPROXY: 'off',
      GOMODCACHE: modcache,
      GOCACHE: join(modcache, 'build'),
    });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /the Go module proxy could not be reached/);
  } finally {
    spawnSync('chmod', ['-R', 'u+w', modcache]);
    rmSync(modcache, { recursive: true, force: true });
  }
});

test('setup builds only the binaries it is asked for, as make demo asks for the control plane and restic', () => {
  const cache = mkdtempSync(join(tmpdir(), 'cairn-setup-'));
  try {
    const versions = spawnSync(
      'bash',
      ['-c', `. ${join(projectRoot, 'tools/testbin/versions.env')}; echo "$RESTIC_VERSION"`],
      {
        encoding: 'utf8',
      },
    ).stdout.trim();
    assert.match(versions, /^v\d+\.\d+\.\d+$/, 'RESTIC_VERSION in tools/testbin/versions.env');
    // A cached restic: setup must find it and build nothing else (no Go on PATH, so any build would fail).
    const dir = join(cache, 'bin', `restic-${versions}`);
    spawnSync('mkdir', ['-p', dir]);
    spawnSync('bash', ['-c', `printf '#!/bin/sh\\n' > ${dir}/restic && chmod +x ${dir}/restic`]);
    const r = spawnSync('bash', [join(projectRoot, 'tools/setup.sh'), 'restic'], {
      env: { HOME: process.env.HOME ?? '', CAIRN_CACHE: cache, PATH: `${process.env.PATH ?? ''}` },
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /restic\s+v\S+ cached/);
    assert.doesNotMatch(r.stdout, /minio|fake-gcs-server|kubernetes|etcd/);
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
});

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import { ConfigError } from '../../../src/devcluster/podrunner/env.ts';
import { containerLaunch, containerMounts, exitCodeOf } from '../../../src/devcluster/podrunner/launch.ts';
import { refusalMessage, unknownContainers } from '../../../src/devcluster/podrunner/scheduler.ts';
import { materializeVolume, type VolumeSources } from '../../../src/devcluster/podrunner/volumes.ts';

const pod: V1Pod = {
  metadata: { name: 'p', namespace: 'ns', uid: 'u-1', labels: { app: 'db' } },
  spec: {
    containers: [
      { name: 'main', image: 'cairn.test/cairn:dev', resources: { limits: { memory: '64Mi', cpu: '500m' } } },
    ],
  },
};

const sources: VolumeSources = {
  secret: () => Promise.resolve(undefined),
  configMap: (_ns, name) => Promise.resolve(name === 'cfg' ? { a: 'A', b: 'B' } : undefined),
  token: () => Promise.resolve('tok'),
};

describe('scheduling', () => {
  test('a pod is bound only when every image, init containers included, is one the runner runs', () => {
    const images = { 'cairn.test/cairn': [] };
    assert.deepEqual(unknownContainers(pod, images), []);
    const mixed: V1Pod = {
      spec: {
        initContainers: [{ name: 'setup', image: 'busybox:1' }],
        containers: [{ name: 'main', image: 'cairn.test/cairn' }, { name: 'bare' }],
      },
    };
    const unknown = unknownContainers(mixed, images);
    assert.deepEqual(
      unknown.map((c) => c.name),
      ['setup', 'bare'],
    );
    assert.match(
      refusalMessage(unknown, images),
      /runs only the images cairn\.test\/cairn; container "setup" uses "busybox:1"/,
    );
  });
});

describe('container launch', () => {
  test('a subPath mounts a file or directory inside its volume; an escaping one is refused', () => {
    const volumes = new Map([['cfg', '/h/cfg']]);
    assert.deepEqual(
      containerMounts(
        {
          name: 'c',
          volumeMounts: [
            { name: 'cfg', mountPath: '/etc/app.conf', subPath: 'a' },
            { name: 'cfg', mountPath: '/etc/cfg' },
          ],
        },
        volumes,
      ),
      [
        { mountPath: '/etc/app.conf', hostPath: '/h/cfg/a' },
        { mountPath: '/etc/cfg', hostPath: '/h/cfg' },
      ],
    );
    for (const subPath of ['../other', '/abs', 'x/../../y']) {
      assert.throws(
        () =>
          containerMounts({ name: 'c', volumeMounts: [{ name: 'cfg', mountPath: '/m', subPath }] }, volumes),
        (err: Error) => err instanceof ConfigError && err.message.includes(`subPath "${subPath}"`),
      );
    }
    assert.throws(
      () => containerMounts({ name: 'c', volumeMounts: [{ name: 'nope', mountPath: '/m' }] }, volumes),
      /names no volume/,
    );
  });

  test('argv, env and workingDir see host paths and $(VAR) values; the container env wins over the defaults', () => {
    const l = containerLaunch({
      pod,
      spec: { name: 'main', workingDir: '/scratch/sub' },
      podDir: '/pods/ns/p-u-1',
      template: ['backup', '--to=/scratch/$(TARGET)'],
      env: { TARGET: 'out', CONF: '/etc/cfg/a', HOSTNAME: 'mine' },
      mounts: [
        { mountPath: '/scratch', hostPath: '/h/scratch' },
        { mountPath: '/etc/cfg', hostPath: '/h/cfg' },
      ],
      cli: { command: '/usr/bin/node', args: ['main.ts'] },
      server: 'https://127.0.0.1:6443',
      kubeconfig: '/pods/ns/p-u-1/kubeconfig',
      extraPath: ['/bin/restic-dir'],
      hostPath: '/usr/bin',
    });
    assert.deepEqual(l.args, ['main.ts', 'backup', '--to=/h/scratch/out']);
    assert.equal(l.command, '/usr/bin/node');
    assert.equal(l.cwd, '/h/scratch/sub');
    assert.equal(l.logFile, '/pods/ns/p-u-1/logs/main.log');
    assert.equal(l.env?.CONF, '/h/cfg/a');
    assert.equal(l.env?.HOSTNAME, 'mine');
    assert.equal(l.env?.KUBERNETES_SERVICE_PORT, '6443');
    assert.equal(l.env?.KUBECONFIG, '/pods/ns/p-u-1/kubeconfig');
    assert.equal(l.env?.PATH, '/bin/restic-dir:/usr/bin');
  });

  test('a container killed by a signal exits with 128 plus the signal number', () => {
    assert.equal(exitCodeOf({ code: 3, signal: null }), 3);
    assert.equal(exitCodeOf({ code: null, signal: 'SIGTERM' }), 143);
    assert.equal(exitCodeOf({ code: null, signal: 'SIGKILL' }), 137);
    assert.equal(exitCodeOf({ code: null, signal: 'SIGUSR1' }), 138);
  });
});

describe('volumes', () => {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-vol-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('a configMap volume with items writes only those keys, at their paths and modes', async () => {
    const root = await materializeVolume(
      pod,
      { name: 'cfg', configMap: { name: 'cfg', items: [{ key: 'b', path: 'sub/b.txt', mode: 0o600 }] } },
      dir,
      sources,
    );
    assert.equal(readFileSync(join(root, 'sub/b.txt'), 'utf8'), 'B');
    assert.equal(statSync(join(root, 'sub/b.txt')).mode & 0o777, 0o600);
    assert.throws(() => statSync(join(root, 'a')));
    await assert.rejects(
      materializeVolume(
        pod,
        { name: 'x', configMap: { name: 'cfg', items: [{ key: 'zz', path: 'z' }] } },
        dir,
        sources,
      ),
      /configmap "cfg" has no key "zz"/,
    );
  });

  test('a downwardAPI volume holds pod fields and container resources', async () => {
    const root = await materializeVolume(
      pod,
      {
        name: 'info',
        downwardAPI: {
          items: [
            { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
            { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
            {
              path: 'mem',
              resourceFieldRef: { containerName: 'main', resource: 'limits.memory', divisor: '1Mi' },
            },
          ],
        },
      },
      dir,
      sources,
    );
    assert.equal(readFileSync(join(root, 'labels'), 'utf8'), 'app="db"');
    assert.equal(readFileSync(join(root, 'name'), 'utf8'), 'p');
    assert.equal(readFileSync(join(root, 'mem'), 'utf8'), '64');
  });

  test('a hostPath volume is checked by its type, and created for the *OrCreate types', async () => {
    const made = join(dir, 'made', 'deep');
    assert.equal(
      await materializeVolume(
        pod,
        { name: 'h', hostPath: { path: made, type: 'DirectoryOrCreate' } },
        dir,
        sources,
      ),
      made,
    );
    assert.ok(statSync(made).isDirectory());
    const file = join(dir, 'f', 'file.txt');
    await materializeVolume(pod, { name: 'h', hostPath: { path: file, type: 'FileOrCreate' } }, dir, sources);
    assert.ok(statSync(file).isFile());
    await assert.rejects(
      materializeVolume(
        pod,
        { name: 'h', hostPath: { path: join(dir, 'absent'), type: 'Directory' } },
        dir,
        sources,
      ),
      (err: Error) => err instanceof ConfigError && /is not a directory/.test(err.message),
    );
    await assert.rejects(
      materializeVolume(pod, { name: 'h', hostPath: { path: made, type: 'File' } }, dir, sources),
      /is not a file/,
    );
    mkdirSync(join(dir, 'plain'));
    writeFileSync(join(dir, 'plain', 'x'), 'x');
    assert.equal(
      await materializeVolume(pod, { name: 'h', hostPath: { path: join(dir, 'plain') } }, dir, sources),
      join(dir, 'plain'),
    );
  });
});

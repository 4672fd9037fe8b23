import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import {
  ConfigError,
  expandVars,
  fieldValue,
  resolveEnv,
  type EnvSources,
} from '../../../src/devcluster/podrunner/env.ts';
import { translatePaths } from '../../../src/devcluster/podrunner/paths.ts';
import { cliArgs, imageRepository } from '../../../src/devcluster/podrunner/command.ts';
import { mainPhase, podStatus, type ContainerRecord } from '../../../src/devcluster/podrunner/status.ts';

const pod: V1Pod = {
  metadata: {
    name: 'p',
    namespace: 'ns',
    uid: 'u-1',
    labels: { app: 'db', tier: 'x' },
    annotations: { note: 'hi' },
  },
  spec: { nodeName: 'n1', serviceAccountName: 'sa', containers: [{ name: 'main' }] },
};

const sources = (
  secrets: Record<string, Record<string, string>>,
  cms: Record<string, Record<string, string>> = {},
): EnvSources => ({
  secret: (_ns, name) => Promise.resolve(secrets[name]),
  configMap: (_ns, name) => Promise.resolve(cms[name]),
});

describe('env resolution', () => {
  test('$(VAR) expands defined names, keeps undefined ones and turns $$ into $', () => {
    assert.equal(expandVars('$(A)-$(B)-$$(A)-$$', { A: '1' }), '1-$(B)-$(A)-$');
  });

  test('downward-API field paths resolve as the kubelet renders them', () => {
    assert.equal(fieldValue(pod, { fieldPath: 'metadata.namespace' }), 'ns');
    assert.equal(fieldValue(pod, { fieldPath: "metadata.labels['app']" }), 'db');
    assert.equal(fieldValue(pod, { fieldPath: 'metadata.labels' }), 'app="db"\ntier="x"');
    assert.equal(fieldValue(pod, { fieldPath: 'spec.serviceAccountName' }), 'sa');
    assert.throws(() => fieldValue(pod, { fieldPath: 'spec.bogus' }), ConfigError);
  });

  test('env entries win over envFrom, prefixes apply, and later entries see earlier ones', async () => {
    const env = await resolveEnv(
      pod,
      {
        name: 'main',
        envFrom: [{ prefix: 'DB_', secretRef: { name: 's' } }, { configMapRef: { name: 'c' } }],
        env: [
          { name: 'MODE', value: 'override' },
          { name: 'URL', value: '$(DB_USER)@$(MODE)' },
          { name: 'PW', valueFrom: { secretKeyRef: { name: 's', key: 'PASS' } } },
        ],
      },
      sources({ s: { USER: 'u', PASS: 'pw' } }, { c: { MODE: 'from-cm', 'bad key': 'skipped' } }),
    );
    assert.deepEqual(env, { DB_USER: 'u', DB_PASS: 'pw', MODE: 'override', URL: 'u@override', PW: 'pw' });
  });

  test('a missing required Secret is a config error naming it; an optional one is skipped', async () => {
    await assert.rejects(
      resolveEnv(
        pod,
        { name: 'm', env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'gone', key: 'k' } } }] },
        sources({}),
      ),
      (err: Error) => err instanceof ConfigError && /secret "gone" not found/.test(err.message),
    );
    const env = await resolveEnv(
      pod,
      {
        name: 'm',
        env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'gone', key: 'k', optional: true } } }],
      },
      sources({}),
    );
    assert.deepEqual(env, {});
  });
});

describe('mount path translation', () => {
  const mounts = [
    { mountPath: '/data', hostPath: '/h/vol-data' },
    { mountPath: '/data/inner', hostPath: '/h/vol-inner' },
    { mountPath: '/etc/creds/', hostPath: '/h/creds' },
  ];

  test('paths under a mount are rewritten, the longest mount path winning', () => {
    assert.equal(translatePaths('/data/x', mounts), '/h/vol-data/x');
    assert.equal(translatePaths('/data/inner/y', mounts), '/h/vol-inner/y');
    assert.equal(translatePaths('--dir=/data', mounts), '--dir=/h/vol-data');
    assert.equal(translatePaths('/etc/creds/key', mounts), '/h/creds/key');
  });

  test('only whole path prefixes match', () => {
    assert.equal(translatePaths('/database', mounts), '/database');
    assert.equal(translatePaths('x/data/y', mounts), 'x/data/y');
    assert.equal(translatePaths('a:/data,b', mounts), 'a:/h/vol-data,b');
  });
});

describe('container command', () => {
  test('image references lose tag and digest, but not a registry port', () => {
    assert.equal(imageRepository('ghcr.io/x/cairn:v1'), 'ghcr.io/x/cairn');
    assert.equal(imageRepository('localhost:5000/cairn@sha256:abc'), 'localhost:5000/cairn');
    assert.equal(imageRepository('localhost:5000/cairn'), 'localhost:5000/cairn');
  });

  test("args go to cairn; a command must be the image's cairn entrypoint", () => {
    assert.deepEqual(cliArgs({ name: 'c', args: ['version'] }, []), ['version']);
    assert.deepEqual(cliArgs({ name: 'c', command: ['/cairn', 'debug'], args: ['exit', '0'] }, []), [
      'debug',
      'exit',
      '0',
    ]);
    assert.throws(
      () => cliArgs({ name: 'c', command: ['sh', '-c', 'x'] }, []),
      /command "sh" cannot run here/,
    );
  });
});

describe('pod status', () => {
  const term = (name: string, exitCode: number): ContainerRecord => ({
    name,
    image: 'i',
    restartCount: 0,
    current: {
      state: 'terminated',
      exitCode,
      reason: exitCode ? 'Error' : 'Completed',
      startedAt: 't0',
      finishedAt: 't1',
    },
  });

  test('the phase follows the containers and the restart policy', () => {
    assert.equal(mainPhase([term('a', 0), term('b', 0)], 'Never'), 'Succeeded');
    assert.equal(mainPhase([term('a', 0), term('b', 2)], 'Never'), 'Failed');
    assert.equal(mainPhase([term('a', 2)], 'OnFailure'), 'Running');
    assert.equal(
      mainPhase([term('a', 0), { ...term('b', 0), current: { state: 'running', startedAt: 't' } }], 'Never'),
      'Running',
    );
  });

  test('a terminated container reports its exit code, and a transition time moves only on change', () => {
    const rec = { phase: 'Failed' as const, startTime: 't0', init: [], main: [term('a', 3)] };
    const s = podStatus(rec, 'now', [
      { type: 'PodScheduled', status: 'True', lastTransitionTime: 'earlier' as unknown as Date },
    ]);
    assert.equal(s.containerStatuses?.[0]?.state?.terminated?.exitCode, 3);
    assert.equal(s.phase, 'Failed');
    const scheduled = s.conditions?.find((c) => c.type === 'PodScheduled');
    assert.equal(scheduled?.lastTransitionTime, 'earlier');
    assert.equal(s.conditions?.find((c) => c.type === 'Ready')?.status, 'False');
  });

  test('a pod reports loopback as its IP unless the runner is given an address of the host', () => {
    const rec = { phase: 'Running' as const, startTime: 't0', init: [], main: [] };
    assert.equal(podStatus(rec, 'now').podIP, '127.0.0.1');
    const routed = podStatus(rec, 'now', [], '192.0.2.2');
    assert.deepEqual(
      [routed.podIP, routed.hostIP, routed.podIPs],
      ['192.0.2.2', '192.0.2.2', [{ ip: '192.0.2.2' }]],
    );
  });
});

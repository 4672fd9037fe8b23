// The flags of `cairn download|manifest-view|manifest-restore` as commander parses them (with the actions
// replaced), and the pure checks behind them: KubeStash's names, cobra-style booleans, mappings, and refusals
// that name the flag and the fix.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import {
  registerSnapshotDataCommands,
  type SnapshotActions,
  type ViewRequest,
} from '../../../../src/cli/snapshot/commands.ts';
import type { ConnectionFlags, RunContext } from '../../../../src/cli/snapshot/context.ts';
import {
  CliInputError,
  downloadRequest,
  filterFromFlags,
  parseBool,
  parseMappings,
  restoreRequest,
  type DownloadRequest,
  type RestoreRequest,
} from '../../../../src/cli/snapshot/flags.ts';

interface Captured {
  command?: 'download' | 'view' | 'restore';
  request?: DownloadRequest | ViewRequest | RestoreRequest;
  flags?: ConnectionFlags;
}

/** Parses `args` as `cairn <args>`; the action records what it was given instead of running. */
async function parse(args: string[]): Promise<Captured> {
  const got: Captured = {};
  const record =
    (command: Captured['command']) =>
    (_ctx: RunContext, request: Captured['request'], flags: ConnectionFlags): Promise<void> => {
      Object.assign(got, { command, request, flags });
      return Promise.resolve();
    };
  const actions = {
    download: record('download'),
    view: record('view'),
    restore: record('restore'),
  } as SnapshotActions;
  const program = new Command().exitOverride().configureOutput({ writeErr: () => undefined });
  registerSnapshotDataCommands(program, {
    actions,
    run: (_flags, work) => work({} as RunContext),
  });
  await program.parseAsync(args, { from: 'user' });
  return got;
}

const refused = (pattern: RegExp) => (err: unknown) =>
  err instanceof CliInputError && pattern.test(err.message);

describe('cairn download flags', () => {
  test('the snapshot, destination, components and kubectl flags reach the download', async () => {
    const got = await parse([
      'download',
      'snap-1',
      '-n',
      'demo',
      '--context',
      'kind',
      '--kubeconfig',
      '/k',
      '--destination',
      '/tmp/out',
      '--components',
      'manifest, dump,manifest',
      '--include',
      '/a',
      '--include',
      '/b',
    ]);
    assert.equal(got.command, 'download');
    assert.deepEqual(got.request, {
      snapshot: 'snap-1',
      destination: '/tmp/out',
      components: ['manifest', 'dump'],
      include: ['/a', '/b'],
      exclude: [],
    });
    assert.deepEqual(got.flags, { namespace: 'demo', context: 'kind', kubeconfig: '/k' });
  });

  test('--include with --exclude is refused with a message naming both', async () => {
    await assert.rejects(
      parse(['download', 's', '--include', '/a', '--exclude', '/b']),
      refused(/--include and --exclude cannot be used together/),
    );
  });

  test('the destination defaults to the working directory and an empty --components is refused', () => {
    assert.equal(downloadRequest('s', {}).destination, '.');
    assert.throws(() => downloadRequest('s', { components: ' , ' }), refused(/--components is empty/));
  });
});

describe('cairn manifest-view flags', () => {
  test('cluster-scoped resources are included unless --include-cluster-resources=false', async () => {
    const on = (await parse(['manifest-view', '--snapshot', 's'])).request as ViewRequest;
    assert.equal(on.filter.includeClusterResources, true);
    assert.equal(on.format, 'text');
    const off = (await parse(['manifest-view', '--snapshot', 's', '--include-cluster-resources=false']))
      .request as ViewRequest;
    assert.equal(off.filter.includeClusterResources, false);
  });

  test('the filters of a backup are read as comma-separated lists', async () => {
    const view = (
      await parse([
        'manifest-view',
        '--snapshot',
        's',
        '--include-namespaces',
        'a,b',
        '--exclude-resources',
        'secrets',
        '--and-label-selectors',
        'app=web,tier:db',
        '--or-label-selectors',
        'x',
        '-o',
        'yaml',
      ])
    ).request as ViewRequest;
    assert.deepEqual([...view.filter.namespaces.includes], ['a', 'b']);
    assert.deepEqual([...view.filter.resources.excludes], ['secrets']);
    assert.deepEqual(view.filter.andLabelSelectors, ['app=web', 'tier:db']);
    assert.deepEqual(view.filter.orLabelSelectors, ['x']);
    assert.equal(view.format, 'yaml');
  });

  test('a missing --snapshot, a namespaced name and an unknown format are refused', async () => {
    await assert.rejects(parse(['manifest-view']), /--snapshot/);
    await assert.rejects(parse(['manifest-view', '--snapshot', 'ns/s']), refused(/with -n/));
    await assert.rejects(
      parse(['manifest-view', '--snapshot', 's', '-o', 'wide']),
      refused(/text, yaml or json/),
    );
  });
});

describe('cairn manifest-restore flags', () => {
  test('defaults: no override, no PVs, five passes, a real run, text output', async () => {
    const r = (await parse(['manifest-restore', '--snapshot', 's'])).request as RestoreRequest;
    assert.equal(r.overrideResources, false);
    assert.equal(r.restorePVs, false);
    assert.equal(r.maxIterations, 5);
    assert.equal(r.dryRun, false);
    assert.equal(r.dryRunDir, undefined);
    assert.equal(r.dataDir, undefined);
    assert.equal(r.format, 'text');
    assert.equal(r.filter.includeClusterResources, true);
  });

  test('bare booleans are true, =false is false, and mappings become maps', async () => {
    const r = (
      await parse([
        'manifest-restore',
        '--snapshot',
        's',
        '--override-resources',
        '--restore-pvs=false',
        '--dry-run',
        '--storage-class-mappings',
        'standard=fast, slow=cheap',
        '--namespace-mappings',
        'demo=demo-copy',
        '--max-iterations',
        '3',
        '--data-dir',
        '/data',
        '-o',
        'json',
      ])
    ).request as RestoreRequest;
    assert.equal(r.overrideResources, true);
    assert.equal(r.restorePVs, false);
    assert.equal(r.dryRun, true);
    assert.deepEqual(
      [...r.storageClassMappings],
      [
        ['standard', 'fast'],
        ['slow', 'cheap'],
      ],
    );
    assert.deepEqual([...r.namespaceMappings], [['demo', 'demo-copy']]);
    assert.equal(r.maxIterations, 3);
    assert.equal(r.dataDir, '/data');
    assert.equal(r.format, 'json');
  });

  test('--dry-run-dir asks for a dry run, and contradicting --dry-run=false is refused', async () => {
    const r = (await parse(['manifest-restore', '--snapshot', 's', '--dry-run-dir', '/d']))
      .request as RestoreRequest;
    assert.equal(r.dryRun, true);
    assert.equal(r.dryRunDir, '/d');
    assert.throws(
      () =>
        restoreRequest({
          snapshot: 's',
          maxIterations: '5',
          output: 'text',
          dryRun: 'false',
          dryRunDir: '/d',
        }),
      refused(/--dry-run-dir.*--dry-run=false/),
    );
  });

  test('a bad pass count, boolean or mapping is refused, naming the flag', () => {
    const base = { snapshot: 's', maxIterations: '5', output: 'text' };
    assert.throws(() => restoreRequest({ ...base, maxIterations: '0' }), refused(/--max-iterations 0/));
    assert.throws(() => restoreRequest({ ...base, maxIterations: '2.5' }), refused(/--max-iterations/));
    assert.throws(
      () => restoreRequest({ ...base, restorePvs: 'yes' }),
      refused(/--restore-pvs=yes: give true or false/),
    );
    assert.throws(
      () => restoreRequest({ ...base, namespaceMappings: 'a' }),
      refused(/--namespace-mappings: "a" is not OLD=NEW/),
    );
  });
});

describe('flag values', () => {
  test('booleans accept the spellings Go accepts', () => {
    for (const v of ['1', 't', 'T', 'true', 'True', 'TRUE', true])
      assert.equal(parseBool('x', v, false), true);
    for (const v of ['0', 'f', 'F', 'false', 'False', 'FALSE', false])
      assert.equal(parseBool('x', v, true), false);
    assert.equal(parseBool('x', undefined, true), true);
  });

  test('a mapping names each source once; the same pair twice is kept once', () => {
    assert.deepEqual([...parseMappings('m', 'a=b,a=b')], [['a', 'b']]);
    assert.throws(() => parseMappings('m', 'a=b,a=c'), refused(/maps "a" twice/));
    assert.throws(() => parseMappings('m', '=b'), refused(/not OLD=NEW/));
    assert.throws(() => parseMappings('m', 'a=b=c'), refused(/not OLD=NEW/));
    assert.equal(parseMappings('m', undefined).size, 0);
  });

  test('an empty filter selects every namespace and resource, cluster-scoped ones included', () => {
    const f = filterFromFlags({});
    assert.equal(f.namespaces.includes.size, 0);
    assert.equal(f.resources.excludes.size, 0);
    assert.equal(f.includeClusterResources, true);
  });
});

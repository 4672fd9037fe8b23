// The `cairn` entry point loads only what the command that runs needs: `cairn version` must start without
// the Kubernetes client or the object-store SDKs (issue: startup time and memory), and the help of every
// command stays what the modules declare although they are loaded lazily.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildProgram, commandNamed } from '../../../src/cli/program.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const main = join(root, 'src/cli/main.ts');
const work = mkdtempSync(join(tmpdir(), 'cairn-main-test-'));
after(() => rmSync(work, { recursive: true, force: true }));

// A module hook, preloaded with --import, that writes the URL of every module the process resolves (static
// and dynamic imports, and require) to $RECORD_LOADS when the process exits.
const recorder = join(work, 'record-loads.mjs');
writeFileSync(
  recorder,
  [
    "import { registerHooks } from 'node:module';",
    "import { writeFileSync } from 'node:fs';",
    'const seen = new Set();',
    'registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); seen.add(r.url); return r; } });',
    "process.on('exit', () => writeFileSync(process.env.RECORD_LOADS, [...seen].join('\\n')));",
  ].join('\n'),
);

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  /** Paths of the files loaded, project-relative (`src/…`) or from `node_modules/…`; builtins left out. */
  loaded: string[];
}

function cairn(args: string[], opts: { record?: boolean } = {}): Run {
  const record = join(work, `loads-${Math.random().toString(36).slice(2)}.txt`);
  const r = spawnSync(
    process.execPath,
    [
      '--disable-warning=ExperimentalWarning',
      ...(opts.record ? ['--import', pathToFileURL(recorder).href] : []),
      main,
      ...args,
    ],
    { encoding: 'utf8', env: { ...process.env, RECORD_LOADS: record }, timeout: 60_000 },
  );
  const rootUrl = pathToFileURL(root).href;
  const loaded = opts.record
    ? readFileSync(record, 'utf8')
        .split('\n')
        .filter((u) => u.startsWith('file:'))
        .map((u) => {
          const pkg = u.lastIndexOf('/node_modules/');
          return pkg >= 0
            ? u.slice(pkg + 1)
            : u.startsWith(rootUrl)
              ? u.slice(rootUrl.length)
              : fileURLToPath(u);
        })
    : [];
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, loaded };
}

void describe('cairn entry point', () => {
  void test('cairn version loads commander and the light CLI modules only: no Kubernetes client, SDK or src/kube', () => {
    const r = cairn(['version'], { record: true });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^cairn \d+\.\d+\.\d+/);
    // The recorder saw the entry point and commander, so an empty list below is not a recorder that saw nothing.
    assert.ok(r.loaded.includes('src/cli/main.ts'), r.loaded.join('\n'));
    assert.ok(
      r.loaded.some((f) => f.startsWith('node_modules/commander/')),
      r.loaded.join('\n'),
    );
    const heavy = r.loaded.filter((f) =>
      /@kubernetes\/client-node|@aws-sdk|@azure|@google-cloud|^src\/(kube|storage|operator|webhooks)\//.test(
        f,
      ),
    );
    assert.deepEqual(heavy, []);
    const light = new Set([
      'src/cli/main.ts',
      'src/cli/program.ts',
      'src/common/version.ts',
      'src/cli/debug.ts',
    ]);
    const other = r.loaded.filter((f) => !light.has(f) && !f.startsWith('node_modules/commander/'));
    assert.deepEqual(other, [], 'cairn version loaded more than commander and the CLI entry modules');
  });

  void test("a command loads its own module and not the other commands' modules", () => {
    const r = cairn(['logs', 'no-such-pod', '--dir', join(work, 'no-cluster')], { record: true });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /no pod "no-such-pod" ran in namespace "default"/);
    assert.ok(r.loaded.includes('src/cli/devcluster.ts'), r.loaded.join('\n'));
    assert.ok(!r.loaded.includes('src/cli/operator.ts'));
    assert.ok(!r.loaded.includes('src/cli/repo.ts'));
  });

  void test('cairn --help lists every command as a program with every module loaded does', async () => {
    const full = await buildProgram([], { all: true });
    const r = cairn(['--help']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, full.helpInformation());
  });

  void test("each command's --help shows the flags and subcommands its module declares", async () => {
    const full = await buildProgram([], { all: true });
    const names = full.commands.map((c) => c.name()).filter((n) => n !== 'help');
    assert.ok(names.includes('operator') && names.includes('repo') && names.includes('up'), names.join(' '));
    for (const name of names) {
      const r = cairn([name, '--help']);
      assert.equal(r.status, 0, `${name}: ${r.stderr}`);
      const cmd = full.commands.find((c) => c.name() === name);
      assert.equal(r.stdout, cmd?.helpInformation(), `cairn ${name} --help`);
    }
    assert.match(cairn(['operator', '--help']).stdout, /--webhook-bind-address/);
    assert.match(cairn(['help', 'operator']).stdout, /--webhook-bind-address/);
  });

  void test('the command asked for is the first operand, or the one after help', () => {
    assert.equal(commandNamed(['version']), 'version');
    assert.equal(commandNamed(['operator', '--log-level', 'debug']), 'operator');
    assert.equal(commandNamed(['help', 'repo']), 'repo');
    assert.equal(commandNamed(['--', 'up']), 'up');
    assert.equal(commandNamed(['--help']), undefined);
    assert.equal(commandNamed([]), undefined);
  });
});

// The image runs JavaScript compiled from src/ (docs/adr/0001): the build of tsconfig.build.json must
// produce a `cairn` that behaves as the `.ts` sources do and loads no `.ts` file. The build writes into a
// temporary folder laid out like the image's /app (dist/, package.json, node_modules).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const app = mkdtempSync(join(tmpdir(), 'cairn-compiled-'));
const dist = join(app, 'dist');
after(() => rmSync(app, { recursive: true, force: true }));

before(() => {
  const tsc = join(root, 'node_modules/typescript/bin/tsc');
  const built = spawnSync(
    process.execPath,
    [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', dist],
    {
      encoding: 'utf8',
    },
  );
  assert.equal(built.status, 0, `tsc -p tsconfig.build.json failed:\n${built.stdout}${built.stderr}`);
  cpSync(join(root, 'package.json'), join(app, 'package.json'));
  symlinkSync(join(root, 'node_modules'), join(app, 'node_modules'));
});

function run(main: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--disable-warning=ExperimentalWarning', main, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const compiledMain = (): string => join(dist, 'cli/main.js');
const sourceMain = join(root, 'src/cli/main.ts');

void test('the compiled cairn prints the same version as the sources', () => {
  const js = run(compiledMain(), ['version']);
  assert.equal(js.status, 0, js.stderr);
  assert.equal(js.stdout, run(sourceMain, ['version']).stdout);
  assert.match(js.stdout, /^cairn \d+\.\d+\.\d+/);
});

void test('the compiled cairn shows the same help, also for lazily loaded commands', () => {
  for (const args of [
    ['--help'],
    ['operator', '--help'],
    ['repo', 'snapshots', '--help'],
    ['up', '--help'],
  ]) {
    const js = run(compiledMain(), args);
    const ts = run(sourceMain, args);
    assert.equal(js.status, ts.status, `exit of cairn ${args.join(' ')}`);
    assert.equal(js.stdout, ts.stdout, `help of cairn ${args.join(' ')}`);
  }
});

void test('no compiled module of the image imports a .ts file', () => {
  // The dev cluster starts `src/cli/main.ts` for its pod runner; it is not part of what the image runs.
  const devOnly = /^devcluster\//;
  const offenders: string[] = [];
  for (const file of readdirSync(dist, { recursive: true, encoding: 'utf8' })) {
    if (!file.endsWith('.js') || devOnly.test(file)) continue;
    const text = readFileSync(join(dist, file), 'utf8');
    if (/(?:from\s*|import\s*\(\s*|new URL\(\s*)['"][^'"]+\.ts['"]/.test(text)) offenders.push(file);
  }
  assert.deepEqual(offenders, []);
});

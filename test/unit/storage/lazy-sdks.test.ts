// Importing the storage, restic and repository modules costs nothing for the object-store SDKs or the
// Kubernetes client library: an SDK is loaded only when a backend of its provider is created. Each check runs
// in a fresh Node process that records every module it resolves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const HEAVY = ['@aws-sdk/', '@google-cloud/', '@azure/', '@kubernetes/client-node'];

/** The packages under node_modules that running `code` (an ES module body) resolves. */
function packagesLoadedBy(code: string): string[] {
  const script = `
    import { registerHooks } from 'node:module';
    const seen = new Set();
    registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); seen.add(r.url); return r; } });
    ${code}
    const packages = new Set();
    for (const url of seen) {
      const i = url.lastIndexOf('/node_modules/');
      if (i === -1) continue;
      const parts = url.slice(i + 14).split('/');
      packages.add(parts[0].startsWith('@') ? parts[0] + '/' + parts[1] : parts[0]);
    }
    console.log(JSON.stringify([...packages].sort()));
  `;
  const out = execFileSync(
    process.execPath,
    ['--disable-warning=ExperimentalWarning', '--input-type=module', '-e', script],
    { cwd: ROOT, encoding: 'utf8' },
  );
  return JSON.parse(out) as string[];
}

const heavy = (packages: string[]): string[] => packages.filter((p) => HEAVY.some((h) => p.startsWith(h)));

test('importing every storage, restic and repository module loads no SDK and no client-node', () => {
  const modules = [
    'storage/resolve.ts',
    'storage/backend.ts',
    'storage/paths.ts',
    'storage/components.ts',
    'storage/lock-files.ts',
    'restic/repository.ts',
    'restic/key-rotation.ts',
    'repository/open.ts',
    'repository/resolve.ts',
  ];
  const imports = modules.map((m) => `await import('./src/${m}');`).join('\n');
  assert.deepEqual(heavy(packagesLoadedBy(imports)), []);
});

test('creating an S3 backend loads the S3 SDK and no other', () => {
  const loaded = heavy(
    packagesLoadedBy(`
      const { createBackend } = await import('./src/storage/backend.ts');
      const backend = await createBackend({ provider: 's3', endpoint: 'http://127.0.0.1:9', bucket: 'b', prefix: '', insecureTLS: false });
      await backend.close();
    `),
  );
  assert.ok(loaded.includes('@aws-sdk/client-s3'), loaded.join(' '));
  assert.deepEqual(
    loaded.filter((p) => !p.startsWith('@aws-sdk/')),
    [],
  );
});

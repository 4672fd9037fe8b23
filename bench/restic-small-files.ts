// Benchmark (not a test): restic with many small files, on local, S3 (MinIO) and GCS (fake-gcs-server).
// For each backend it measures the wall time of init, backup, check and a second backup of the unchanged
// tree, and what that second backup adds. Each step runs twice on fresh repositories: through Cairn's
// adapter (ResticRepository: runner, parser, redactor, lock policy) and as restic alone, spawned directly
// with the same argv and environment, as a shell would. The ratio is Cairn's cost over restic's.
//
//   tools/with-node.sh node bench/restic-small-files.ts [--files 10000] [--runs 1] [--backends local,s3,gcs]
//
// Needs the binaries `make setup` builds (restic, MinIO, fake-gcs-server); no dev cluster.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { binaryPaths, requireBinary } from '../src/devcluster/toolchain.ts';
import { backupCommand } from '../src/restic/argv-data.ts';
import { checkCommand, initCommand } from '../src/restic/argv-repository.ts';
import type { CommonOptions, ResticCommand } from '../src/restic/argv.ts';
import { ResticRepository } from '../src/restic/repository.ts';
import { ResticOutputParser } from '../src/restic/json-lines.ts';
import { buildRepositoryTarget, type RepositoryTargetInput } from '../src/restic/target.ts';
import { resticEnvironment, type ResticProcessOptions } from '../src/restic/runner.ts';
import type { StorageSpec } from '../src/storage/types.ts';
import { startFakeGcs, startMinio } from '../test/harness/objectstores.ts';

const { values } = parseArgs({
  options: {
    files: { type: 'string', default: '10000' },
    runs: { type: 'string', default: '1' },
    backends: { type: 'string', default: 'local,s3,gcs' },
  },
});
const FILES = Number(values.files);
const RUNS = Number(values.runs);
const WANTED = new Set(values.backends.split(','));
const COMPONENT = 'repository/v1/bench/manifest';
const HOST = 'cairn-bench';

interface Backend {
  name: string;
  storage: StorageSpec;
  storageSecret: Record<string, string>;
  env: Record<string, string>;
}

interface Measure {
  init: number;
  backup: number;
  check: number;
  second: number;
  secondAdded: number;
  secondAddedPacked: number;
}

function writeTree(dir: string, files: number): void {
  for (let i = 0; i < files; i++) {
    const folder = join(dir, `resource-${i % 40}`, 'namespaces', `ns-${i % 25}`);
    mkdirSync(folder, { recursive: true });
    const body = randomBytes(200 + (i % 30) * 30).toString('base64');
    writeFileSync(
      join(folder, `object-${i}.yaml`),
      `kind: Thing\nmetadata:\n  name: o-${i}\ndata: ${body}\n`,
    );
  }
}

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const started = performance.now();
  const value = await fn();
  return [performance.now() - started, value];
}

/** restic alone: spawn with the command's argv and environment, drain the output, wait for the exit. */
function spawnPlain(
  binary: string,
  command: ResticCommand,
  env: Record<string, string>,
): Promise<{ stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, command.args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolve({ stdout }) : reject(new Error(`restic exited ${code}: ${stderr.slice(-500)}`)),
    );
  });
}

function input(backend: Backend, repositoryPath: string, secretsDir: string): RepositoryTargetInput {
  return {
    storage: backend.storage,
    storageSecret: backend.storageSecret,
    encryptionSecret: { RESTIC_PASSWORD: `bench-${randomBytes(8).toString('hex')}` },
    repositoryPath,
    componentPath: COMPONENT,
    secretsDir,
  };
}

async function viaCairn(
  backend: Backend,
  source: string,
  run: number,
  processOptions: ResticProcessOptions,
): Promise<Measure> {
  const { secretsDir: _unused, ...rest } = input(backend, `cairn-${run}`, '/unused');
  const repo = await ResticRepository.open(rest, { process: processOptions });
  try {
    const [init] = await timed(() => repo.init());
    const [backup] = await timed(() => repo.backup({ paths: [source], host: HOST }));
    const [check] = await timed(() => repo.check());
    const [second, result] = await timed(() => repo.backup({ paths: [source], host: HOST }));
    return {
      init,
      backup,
      check,
      second,
      secondAdded: result.summary.dataAdded,
      secondAddedPacked: result.summary.dataAddedPacked,
    };
  } finally {
    await repo.close();
  }
}

async function plain(
  backend: Backend,
  source: string,
  run: number,
  binary: string,
  processOptions: ResticProcessOptions,
  work: string,
): Promise<Measure> {
  const target = buildRepositoryTarget(input(backend, `plain-${run}`, join(work, 'plain-secrets')));
  const common: CommonOptions = {};
  const envOf = (command: ResticCommand): Record<string, string> =>
    resticEnvironment(command, processOptions);
  const go = (command: ResticCommand): Promise<{ stdout: string }> =>
    spawnPlain(binary, command, envOf(command));
  const [init] = await timed(() => go(initCommand(target, {}, common)));
  const [backup] = await timed(() => go(backupCommand(target, { paths: [source], host: HOST }, common)));
  const [check] = await timed(() => go(checkCommand(target, {}, common)));
  const [second, out] = await timed(() => go(backupCommand(target, { paths: [source], host: HOST }, common)));
  const events = new ResticOutputParser({ command: 'backup' }).push(`${out.stdout}\n`);
  const summary = events.find((e) => e.type === 'summary');
  return {
    init,
    backup,
    check,
    second,
    secondAdded: summary?.type === 'summary' ? summary.dataAdded : Number.NaN,
    secondAddedPacked: summary?.type === 'summary' ? summary.dataAddedPacked : Number.NaN,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function pick(measures: Measure[], key: keyof Measure): number {
  return median(measures.map((m) => m[key]));
}

async function main(): Promise<void> {
  const binary = requireBinary(binaryPaths().restic, 'restic');
  const work = mkdtempSync(join(tmpdir(), 'cairn-bench-restic-'));
  const source = join(work, 'source');
  const stops: (() => Promise<void>)[] = [];
  try {
    const started = performance.now();
    writeTree(source, FILES);
    process.stdout.write(
      `# ${FILES} files generated in ${Math.round(performance.now() - started)} ms; ${RUNS} run(s)\n`,
    );

    const backends: Backend[] = [];
    if (WANTED.has('local')) {
      const root = join(work, 'local');
      mkdirSync(root);
      backends.push({
        name: 'local',
        storage: { provider: 'local', local: { mountPath: root } },
        storageSecret: {},
        env: {},
      });
    }
    if (WANTED.has('s3')) {
      const minio = await startMinio();
      stops.push(() => minio.dispose());
      await minio.createBucket('bench');
      backends.push({
        name: 's3',
        storage: minio.storageSpec('bench', 'p'),
        storageSecret: minio.secretData,
        env: {},
      });
    }
    if (WANTED.has('gcs')) {
      const gcs = await startFakeGcs();
      stops.push(() => gcs.dispose());
      await gcs.createBucket('bench');
      backends.push({
        name: 'gcs',
        storage: gcs.storageSpec('bench', 'p'),
        storageSecret: { ...gcs.secretData, GOOGLE_ACCESS_TOKEN: gcs.resticEnv.GOOGLE_ACCESS_TOKEN ?? 'x' },
        env: { STORAGE_EMULATOR_HOST: gcs.endpoint },
      });
    }

    const rows: string[] = [];
    for (const backend of backends) {
      const processOptions: ResticProcessOptions = {
        binary,
        cacheDir: join(work, `cache-${backend.name}`),
        tmpDir: work,
        env: backend.env,
      };
      const cairn: Measure[] = [];
      const alone: Measure[] = [];
      for (let run = 0; run < RUNS; run++) {
        // Alternate the order so neither side always runs with a warmer page cache.
        if (run % 2 === 0) {
          alone.push(await plain(backend, source, run, binary, processOptions, work));
          cairn.push(await viaCairn(backend, source, run, processOptions));
        } else {
          cairn.push(await viaCairn(backend, source, run, processOptions));
          alone.push(await plain(backend, source, run, binary, processOptions, work));
        }
      }
      for (const step of ['init', 'backup', 'check', 'second'] as const) {
        const c = pick(cairn, step);
        const a = pick(alone, step);
        rows.push(
          `| ${backend.name} | ${step === 'second' ? 'second backup (unchanged)' : step} | ${c.toFixed(0)} | ${a.toFixed(0)} | ${(c / a).toFixed(2)} |`,
        );
      }
      rows.push(
        `| ${backend.name} | second backup adds (data_added / data_added_packed, bytes) | ${pick(cairn, 'secondAdded')} / ${pick(cairn, 'secondAddedPacked')} | ${pick(alone, 'secondAdded')} / ${pick(alone, 'secondAddedPacked')} | |`,
      );
    }
    process.stdout.write(
      '| backend | step | Cairn (ms) | restic alone (ms) | ratio |\n|---|---|---|---|---|\n',
    );
    process.stdout.write(`${rows.join('\n')}\n`);
  } finally {
    for (const stop of stops) await stop();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();

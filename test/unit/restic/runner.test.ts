// The runner against a stand-in restic (a shell script): environment, secret files, redaction,
// cancellation, time limits and backend-outage detection. The real restic is exercised by
// test/integration/restic-data-path/.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { ResticCommand } from '../../../src/restic/argv.ts';
import { ResticError, ResticUsageError } from '../../../src/restic/errors.ts';
import { createPrivateDir } from '../../../src/restic/secret-files.ts';
import { redactDeep, type RunnerEvent } from '../../../src/restic/run-result.ts';
import { resticEnvironment, runRestic } from '../../../src/restic/runner.ts';
import { createRedactor } from '../../../src/common/redact.ts';

const PASSWORD = 'zq-runner-password-5501';
const ACCESS_KEY = 'zq-runner-secret-key-7723';

// One script, many behaviours, chosen by FAKE_MODE (a non-secret env the runner passes through).
const FAKE = `#!/bin/sh
case "$FAKE_MODE" in
  env) env ;;
  files)
    for f in "$@"; do
      case "$f" in /*) stat -c '%a %n' "$f" "$(dirname "$f")" ;; esac
    done ;;
  leak)
    echo "{\\"message_type\\":\\"error\\",\\"error\\":{\\"message\\":\\"bad key $AWS_SECRET_ACCESS_KEY\\"},\\"item\\":\\"/x\\"}"
    echo "open failed with password $RESTIC_PASSWORD" >&2
    echo "{\\"message_type\\":\\"exit_error\\",\\"code\\":1,\\"message\\":\\"Fatal: $RESTIC_PASSWORD\\"}" >&2
    exit 1 ;;
  progress)
    echo '{"message_type":"status","percent_done":0.5,"total_files":4,"files_done":2,"bytes_done":10,"total_bytes":20}'
    echo '{"message_type":"summary","files_new":4,"data_added":20,"data_added_packed":12,"snapshot_id":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}'
    ;;
  wrong-password)
    echo '{"message_type":"exit_error","code":12,"message":"Fatal: wrong password or no key found"}' >&2
    exit 12 ;;
  obey-int)
    trap 'echo "signal interrupt received, cleaning up" >&2; exit 130' INT
    echo ready >&2
    while :; do sleep 0.05; done ;;
  ignore-int)
    trap '' INT
    echo ready >&2
    while :; do sleep 0.05; done ;;
  outage)
    trap 'exit 130' INT
    while :; do
      echo 'Save(<data/0a1b2c3d4e>) returned error, retrying after 1.5s: Put "http://127.0.0.1:1/b/data/0a": dial tcp 127.0.0.1:1: connect: connection refused' >&2
      sleep 0.05
    done ;;
  recovering)
    echo 'Save(<data/0a1b2c3d4e>) returned error, retrying after 100ms: connection refused' >&2
    sleep 0.3
    echo 'Save(<data/0a1b2c3d4e>) operation successful after 1 retries' >&2
    sleep 0.3
    echo '{"message_type":"summary","files_new":1}' ;;
  auth)
    trap 'exit 130' INT
    echo "Stat(<config/>) returned error, retrying after 1.05s: Stat: The request signature we calculated does not match the signature you provided. Key $AWS_SECRET_ACCESS_KEY" >&2
    while :; do sleep 0.05; done ;;
  collect) printf '[{"id":"a"},\\n {"id":"b"}]\\n' ;;
  *) echo "unknown mode" >&2; exit 2 ;;
esac
`;

let work = '';
let fake = '';

before(() => {
  work = mkdtempSync(join(tmpdir(), 'cairn-runner-test-'));
  fake = join(work, 'fake-restic');
  writeFileSync(fake, FAKE);
  chmodSync(fake, 0o755);
});

after(() => rmSync(work, { recursive: true, force: true }));

function command(extra: Partial<ResticCommand> = {}): ResticCommand {
  return {
    args: ['backup', '--repo', '/nowhere', '--json'],
    env: { RESTIC_PASSWORD: PASSWORD, AWS_SECRET_ACCESS_KEY: ACCESS_KEY },
    files: [],
    secrets: [PASSWORD, ACCESS_KEY],
    ...extra,
  };
}

function mode(name: string): { binary: string; env: Record<string, string> } {
  return { binary: fake, env: { FAKE_MODE: name } };
}

async function rejection(promise: Promise<unknown>): Promise<ResticError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof ResticError, `expected a ResticError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the run to fail');
}

describe('environment', () => {
  test('restic gets PATH, HOME, TMPDIR, the cache dir, ambient identities and the command env, nothing else', () => {
    const env = resticEnvironment(
      { env: { RESTIC_PASSWORD: PASSWORD } },
      { cacheDir: '/cache', tmpDir: '/scratch', env: { STORAGE_EMULATOR_HOST: 'http://127.0.0.1:1' } },
      {
        PATH: '/bin',
        HOME: '/home/cairn',
        AWS_ACCESS_KEY_ID: 'parent-key-id',
        AWS_SECRET_ACCESS_KEY: 'parent-secret',
        RESTIC_PASSWORD: 'parent-password',
        AWS_WEB_IDENTITY_TOKEN_FILE: '/var/run/token',
        KUBERNETES_SERVICE_HOST: '10.0.0.1',
      },
    );
    assert.deepEqual(env, {
      PATH: '/bin',
      HOME: '/home/cairn',
      TMPDIR: '/scratch',
      RESTIC_CACHE_DIR: '/cache',
      AWS_WEB_IDENTITY_TOKEN_FILE: '/var/run/token',
      STORAGE_EMULATOR_HOST: 'http://127.0.0.1:1',
      RESTIC_PASSWORD: PASSWORD,
    });
  });

  test('the spawned process sees exactly that environment', async () => {
    process.env.CAIRN_RUNNER_TEST_PARENT_ONLY = 'parent-only-value';
    try {
      const result = await runRestic(command(), { ...mode('env'), output: 'collect', tmpDir: work });
      const seen = new Map(
        result.stdout
          .trim()
          .split('\n')
          .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
      );
      assert.equal(seen.get('CAIRN_RUNNER_TEST_PARENT_ONLY'), undefined);
      assert.equal(seen.get('TMPDIR'), work);
      assert.equal(seen.get('FAKE_MODE'), 'env');
      // The password is there for restic, but comes back redacted in anything the runner returns.
      assert.equal(seen.get('RESTIC_PASSWORD'), '[REDACTED]');
    } finally {
      delete process.env.CAIRN_RUNNER_TEST_PARENT_ONLY;
    }
  });
});

describe('secret files', () => {
  test('files are written 0600 in a new 0700 directory and both are gone after the run', async () => {
    const dir = join(work, 'secrets-new');
    const file = join(dir, 'gcs-service-account.json');
    const result = await runRestic(
      command({
        args: ['backup', '--cacert', file],
        files: [{ path: file, contents: '{"private_key":"zq-private"}', mode: 0o600 }],
      }),
      { ...mode('files'), output: 'collect' },
    );
    assert.deepEqual(result.stdout.trim().split('\n'), [`600 ${file}`, `700 ${dir}`]);
    assert.equal(existsSync(file), false);
    assert.equal(existsSync(dir), false);
  });

  test('an existing directory that others can read is refused before restic starts', async () => {
    const dir = join(work, 'secrets-open');
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    await assert.rejects(
      runRestic(command({ files: [{ path: join(dir, 'f'), contents: 'x', mode: 0o600 }] }), mode('files')),
      ResticUsageError,
    );
    assert.equal(existsSync(join(dir, 'f')), false);
  });

  test('concurrent runs share one file and the last to finish removes it', async () => {
    const dir = await createPrivateDir(work);
    const file = join(dir.path, 'ca-cert.pem');
    const cmd = command({ args: ['x', file], files: [{ path: file, contents: 'ca', mode: 0o600 }] });
    const [a, b] = await Promise.all([
      runRestic(cmd, { ...mode('files'), output: 'collect' }),
      runRestic(cmd, { ...mode('files'), output: 'collect' }),
    ]);
    assert.match(a.stdout, /^600 /);
    assert.match(b.stdout, /^600 /);
    assert.equal(existsSync(file), false);
    assert.equal(existsSync(dir.path), true, 'a directory the runner did not create stays');
    await dir.remove();
  });
});

describe('output, errors and redaction', () => {
  test('progress and the final summary arrive as typed events', async () => {
    const events: RunnerEvent[] = [];
    const result = await runRestic(command(), { ...mode('progress'), onEvent: (e) => events.push(e) });
    assert.deepEqual(
      events.map((e) => e.type),
      ['status', 'summary'],
    );
    assert.equal(result.backupSummary?.dataAdded, 20);
    assert.equal(result.backupSummary?.snapshotId?.length, 64);
  });

  test('collected output is returned whole, for commands that print one JSON document', async () => {
    const result = await runRestic(command(), { ...mode('collect'), output: 'collect' });
    assert.deepEqual(JSON.parse(result.stdout), [{ id: 'a' }, { id: 'b' }]);
  });

  test('secrets restic echoes never reach events, the error or its stderr tail', async () => {
    const events: RunnerEvent[] = [];
    const err = await rejection(runRestic(command(), { ...mode('leak'), onEvent: (e) => events.push(e) }));
    const everything = JSON.stringify({ events, err: { ...err, message: err.message, stack: err.stack } });
    assert.equal(everything.includes(PASSWORD), false);
    assert.equal(everything.includes(ACCESS_KEY), false);
    assert.match(err.stderrTail, /open failed with password \[REDACTED\]/);
    assert.equal(err.kind, 'failure');
    assert.equal(err.retryable, true);
    assert.match(err.message, /^restic backup: restic failed \(exit 1\): Fatal: \[REDACTED\]$/);
  });

  test('a wrong password is terminal', async () => {
    const err = await rejection(runRestic(command(), mode('wrong-password')));
    assert.equal(err.kind, 'wrong-password');
    assert.equal(err.retryable, false);
    assert.equal(err.exitCode, 12);
  });

  test('acceptExit turns a failure into a result', async () => {
    const result = await runRestic(command(), {
      ...mode('wrong-password'),
      acceptExit: (exit) => exit.code === 12,
    });
    assert.equal(result.exit.kind, 'wrong-password');
  });

  test('a missing binary is a terminal spawn failure', async () => {
    const err = await rejection(runRestic(command(), { binary: join(work, 'no-such-restic') }));
    assert.equal(err.kind, 'spawn-failed');
    assert.equal(err.retryable, false);
  });

  test('redactDeep reaches strings nested in arrays and objects', () => {
    const redactor = createRedactor([PASSWORD]);
    assert.deepEqual(redactDeep({ a: [PASSWORD, { b: `x${PASSWORD}` }], n: 1 }, redactor), {
      a: ['[REDACTED]', { b: 'x[REDACTED]' }],
      n: 1,
    });
  });
});

describe('stopping', () => {
  async function readyAbort(
    controller: AbortController,
    events: RunnerEvent[],
    e: RunnerEvent,
  ): Promise<void> {
    events.push(e);
    if (e.type === 'text' && e.line === 'ready') controller.abort();
    await Promise.resolve();
  }

  test('cancellation sends SIGINT and restic stops as cancelled, not retryable', async () => {
    const controller = new AbortController();
    const events: RunnerEvent[] = [];
    const err = await rejection(
      runRestic(command(), {
        ...mode('obey-int'),
        signal: controller.signal,
        onEvent: (e) => void readyAbort(controller, events, e),
      }),
    );
    assert.equal(err.kind, 'cancelled');
    assert.equal(err.retryable, false);
    assert.equal(err.exitCode, 130);
  });

  test('a process that ignores SIGINT is killed after the grace period', async () => {
    const controller = new AbortController();
    const events: RunnerEvent[] = [];
    const started = Date.now();
    const err = await rejection(
      runRestic(command(), {
        ...mode('ignore-int'),
        graceMs: 200,
        signal: controller.signal,
        onEvent: (e) => void readyAbort(controller, events, e),
      }),
    );
    assert.equal(err.kind, 'cancelled');
    assert.equal(err.signal, 'SIGKILL');
    assert.ok(Date.now() - started < 5_000);
  });

  test('an already aborted signal fails before anything starts', async () => {
    const err = await rejection(runRestic(command(), { ...mode('env'), signal: AbortSignal.abort() }));
    assert.equal(err.kind, 'cancelled');
  });

  test('a run over its time limit stops with a retryable timeout', async () => {
    const err = await rejection(runRestic(command(), { ...mode('obey-int'), timeoutMs: 150 }));
    assert.equal(err.kind, 'timeout');
    assert.equal(err.retryable, true);
  });

  test('backend retries beyond the outage limit stop restic as backend-unavailable, retryable', async () => {
    const events: RunnerEvent[] = [];
    const err = await rejection(
      runRestic(command(), { ...mode('outage'), backendOutageMs: 300, onEvent: (e) => events.push(e) }),
    );
    assert.equal(err.kind, 'backend-unavailable');
    assert.equal(err.retryable, true);
    assert.match(err.message, /connection refused/);
    const retry = events.find((e) => e.type === 'backend_retry');
    assert.equal(retry?.type === 'backend_retry' && retry.retryInMs, 1500);
  });

  test('a backend that recovers within the limit lets the run finish', async () => {
    const events: RunnerEvent[] = [];
    const result = await runRestic(command(), {
      ...mode('recovering'),
      backendOutageMs: 500,
      onEvent: (e) => events.push(e),
    });
    assert.equal(result.exit.success, true);
    assert.ok(events.some((e) => e.type === 'backend_recovered'));
  });

  test('rejected credentials stop restic at once as backend-auth, terminal and redacted', async () => {
    const started = Date.now();
    const err = await rejection(runRestic(command(), { ...mode('auth'), backendOutageMs: 60_000 }));
    assert.equal(err.kind, 'backend-auth');
    assert.equal(err.retryable, false);
    assert.ok(Date.now() - started < 5_000);
    assert.equal(`${err.message}${err.stderrTail}`.includes(ACCESS_KEY), false);
  });
});

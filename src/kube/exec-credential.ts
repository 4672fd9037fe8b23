// Exec credential plugins (client.authentication.k8s.io v1 and v1beta1), as EKS, GKE and AKS kubeconfigs
// use: the plugin prints an ExecCredential with a token or a client certificate, which is kept until
// shortly before it expires and obtained again after a 401. Cairn never prompts: stdin is closed.
import { basename } from 'node:path';
import { createRedactor } from '../common/redact.ts';
import { isObject, str } from '../common/json.ts';
import { bearer, type AuthState, type Credentials } from './credentials.ts';
import type { ExecConfig } from './kubeconfig.ts';

export const EXEC_API_VERSIONS = ['client.authentication.k8s.io/v1', 'client.authentication.k8s.io/v1beta1'];

/** The cluster as given to a plugin with provideClusterInfo (KUBERNETES_EXEC_INFO `spec.cluster`). */
export interface ExecClusterInfo {
  server: string;
  'tls-server-name'?: string;
  'insecure-skip-tls-verify'?: boolean;
  /** Base64 of the CA's PEM. */
  'certificate-authority-data'?: string;
  'proxy-url'?: string;
  config?: unknown;
}

export interface ExecOptions {
  cluster?: ExecClusterInfo;
  /** The environment the plugin inherits; default process.env. */
  env?: NodeJS.ProcessEnv;
  now?: () => number;
  /** A plugin still running after this long is killed; default 2 min. */
  timeoutMs?: number;
  /** A client certificate from the kubeconfig, used when the plugin gives only a token. */
  base?: AuthState;
}

/** Throws when the configuration cannot work without a prompt or names an unknown API version. */
export function checkExecConfig(exec: ExecConfig, user: string): void {
  const name = `user "${user}": exec credential plugin "${exec.command}"`;
  if (!exec.command) throw new Error(`user "${user}": the exec credential plugin has no command`);
  if (!EXEC_API_VERSIONS.includes(exec.apiVersion)) {
    throw new Error(
      `${name} asks for apiVersion "${exec.apiVersion}"; supported: ${EXEC_API_VERSIONS.join(', ')}`,
    );
  }
  if (exec.interactiveMode === 'Always') {
    throw new Error(
      `${name} has interactiveMode Always, but Cairn never prompts for input: log in with the plugin ` +
        'beforehand, or configure it with interactiveMode IfAvailable or Never',
    );
  }
}

interface Issued {
  state: AuthState;
  /** Valid until this time (ms since the epoch), or forever until a 401. */
  until: number;
}

/** Credentials from the plugin; it runs on first use, again shortly before expiry and after a 401. */
export function execCredentials(exec: ExecConfig, opts: ExecOptions = {}): Credentials {
  const now = opts.now ?? Date.now;
  let issued: Issued | undefined;
  let running: Promise<Issued> | undefined;
  return {
    async current() {
      if (issued === undefined || now() >= issued.until) {
        running ??= runPlugin(exec, opts, now).finally(() => (running = undefined));
        issued = await running;
      }
      return issued.state;
    },
    invalidate() {
      issued = undefined;
      return true;
    },
  };
}

async function runPlugin(exec: ExecConfig, opts: ExecOptions, now: () => number): Promise<Issued> {
  const name = `exec credential plugin "${basename(exec.command)}"`;
  const info = {
    apiVersion: exec.apiVersion,
    kind: 'ExecCredential',
    spec: { interactive: false, ...(exec.provideClusterInfo && opts.cluster && { cluster: opts.cluster }) },
  };
  const env: NodeJS.ProcessEnv = { ...(opts.env ?? process.env), KUBERNETES_EXEC_INFO: JSON.stringify(info) };
  for (const { name: k, value } of exec.env) env[k] = value;
  const redactor = createRedactor(exec.env.map((e) => e.value));
  const started = now();
  const { code, signal, stdout, stderr, error } = await run(
    exec.command,
    exec.args,
    env,
    opts.timeoutMs ?? 120_000,
  );
  if (error) {
    const hint = error.code === 'ENOENT' && exec.installHint ? `\n${exec.installHint}` : '';
    throw new Error(`${name} could not be started: ${error.code ?? error.message}${hint}`);
  }
  if (code !== 0) {
    const why = signal ? `killed by ${signal}` : `exit code ${code}`;
    const text = redactor.redact(stderr.trim()).slice(-2000);
    throw new Error(`${name} failed (${why})${text ? `: ${text}` : ''}`);
  }
  let out: unknown;
  try {
    out = JSON.parse(stdout);
  } catch {
    throw new Error(`${name} did not print an ExecCredential as JSON`);
  }
  if (!isObject(out) || out.kind !== 'ExecCredential' || !isObject(out.status)) {
    throw new Error(`${name} printed something other than an ExecCredential with a status`);
  }
  if (out.apiVersion !== exec.apiVersion) {
    throw new Error(
      `${name} answered with apiVersion "${String(out.apiVersion)}" instead of "${exec.apiVersion}"`,
    );
  }
  const status = out.status;
  const token = str(status.token);
  const cert = str(status.clientCertificateData);
  const key = str(status.clientKeyData);
  if ((cert === undefined) !== (key === undefined)) {
    throw new Error(`${name} gave clientCertificateData and clientKeyData only one without the other`);
  }
  if (!token && cert === undefined) throw new Error(`${name} gave neither a token nor a client certificate`);
  const state: AuthState = { ...opts.base };
  if (token) state.authorization = bearer(token);
  if (cert !== undefined) Object.assign(state, { cert, key });
  const expires = str(status.expirationTimestamp);
  let until = Infinity;
  if (expires !== undefined) {
    const t = Date.parse(expires);
    if (Number.isNaN(t)) throw new Error(`${name} gave an expirationTimestamp that is not a time`);
    // Renew a little early: by a tenth of the lifetime, at most 30 s, so a call does not race the expiry.
    until = t - Math.min(30_000, Math.max(0, (t - started) / 10));
  }
  return { state, until };
}

interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  error?: NodeJS.ErrnoException;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<RunResult> {
  return new Promise((resolve) => {
    // Loaded on first use (most clients never run a plugin). Not spawn's own `timeout`: its timer outlives
    // a child that could not be started.
    const { spawn } = process.getBuiltinModule('node:child_process');
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let error: NodeJS.ErrnoException | undefined;
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', (e) => (error = e));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        ...(error && { error }),
      });
    });
  });
}

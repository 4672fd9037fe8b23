// A second kube-apiserver on the dev cluster's etcd that a test may stop and start again: the shared
// apiserver belongs to the suite's global setup (another process) and must keep serving the other tests.
// It runs with the shared apiserver's own flags and certificates, on a port of its own.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readState, type ClusterInfo } from '../../src/devcluster/cluster.ts';
import { renderKubeconfig } from '../../src/devcluster/kubeconfig.ts';
import { freePort } from '../../src/devcluster/ports.ts';
import { probe, waitFor } from '../../src/devcluster/probe.ts';
import { startProcess, tailFile, type ManagedProcess } from '../../src/devcluster/processes.ts';

export interface RestartableApiserver {
  /** A kubeconfig for the admin on this apiserver. */
  readonly kubeconfig: string;
  readonly server: string;
  /** Stops the apiserver (SIGTERM, as a rolling restart does) and resolves when it has exited. */
  stop(): Promise<void>;
  /** Starts it again on the same port and resolves once it is ready. */
  start(): Promise<void>;
}

/** A kubeconfig file for the dev cluster's admin that points at `server` (written into the cluster dir). */
export function adminKubeconfigFor(info: ClusterInfo, server: string): string {
  const file = join(info.dir, `kubeconfig-${new URL(server).port}`);
  writeFileSync(
    file,
    renderKubeconfig({ server, caPem: info.caPem, user: 'admin', token: info.adminToken }),
    {
      mode: 0o600,
    },
  );
  return file;
}

/** The command line of the suite's running kube-apiserver, found by its `--cert-dir` in the cluster dir. */
function sharedApiserverArgv(info: ClusterInfo): string[] {
  const certDir = `--cert-dir=${join(info.dir, 'pki')}`;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean);
    } catch {
      continue;
    }
    if (argv[0]?.endsWith('kube-apiserver') && argv.includes(certDir)) return argv;
  }
  throw new Error(`no running kube-apiserver with ${certDir}`);
}

/**
 * Starts a second apiserver; `extraArgs` are appended to the shared one's flags (a later flag wins). `dir`
 * is the state directory of the dev cluster whose apiserver and etcd are used (default the suite's). The
 * process dies with the test process at the latest; call `stop()` when done.
 */
export async function startRestartableApiserver(
  extraArgs: string[] = [],
  dir: string | undefined = process.env.CAIRN_TEST_DIR,
): Promise<RestartableApiserver> {
  const info = dir ? readState(dir) : undefined;
  if (!info) throw new Error('no dev cluster state: run integration tests with their global setup');
  const [command, ...shared] = sharedApiserverArgv(info);
  const port = await freePort();
  const args = [
    ...shared.filter((a) => !a.startsWith('--secure-port=')),
    `--secure-port=${port}`,
    ...extraArgs,
  ];
  const server = `https://127.0.0.1:${port}`;
  const logFile = join(info.dir, 'logs', `kube-apiserver-${port}.log`);
  const kubeconfig = adminKubeconfigFor(info, server);
  let proc: ManagedProcess | undefined;

  const start = async (): Promise<void> => {
    const p = startProcess({ name: 'kube-apiserver-2', command: command!, args, logFile });
    proc = p;
    try {
      await waitFor(
        async () => {
          const r = await probe(`${server}/readyz`, { ca: info.caPem, token: info.adminToken });
          return r.status === 200 ? true : undefined;
        },
        {
          what: `kube-apiserver on ${server}`,
          timeoutMs: 90_000,
          abortIf: () => (p.hasExited() ? 'exited' : undefined),
        },
      );
    } catch (err) {
      await p.stop(1000);
      throw new Error(`${(err as Error).message}; log:\n${tailFile(logFile, 30)}`, { cause: err });
    }
  };
  await start();
  return {
    kubeconfig,
    server,
    start,
    async stop() {
      await proc?.stop();
      proc = undefined;
    },
  };
}

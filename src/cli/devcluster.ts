import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { startDevEnvironment } from '../devcluster/environment.ts';
import { isAlive } from '../devcluster/processes.ts';
import { runningPid } from '../devcluster/cluster.ts';
import { DEFAULT_IMAGE } from '../devcluster/podrunner/command.ts';
import { waitFor } from '../devcluster/probe.ts';

const say = (msg: string): void => void process.stdout.write(`${msg}\n`);

/** `cairn up`, `cairn down`, `cairn logs`: the local dev cluster. */
export function registerDevClusterCommands(program: Command): void {
  program
    .command('up')
    .description(
      'run a local dev cluster (etcd, kube-apiserver, kube-controller-manager) with the local pod runner, until interrupted',
    )
    .option('--dir <dir>', 'state directory; starting again on it brings back the same objects', '.cairn')
    .option(
      '--image <repository>',
      "image repository the pod runner runs as cairn's CLI",
      process.env.CAIRN_IMAGE ?? DEFAULT_IMAGE,
    )
    .action(async (opts: { dir: string; image: string }) => {
      const dir = resolve(opts.dir);
      const env = await startDevEnvironment({ dir, images: [opts.image], log: (m) => say(`cairn up: ${m}`) });
      say(`cairn up: the dev cluster is ready (API server ${env.cluster.info.server})`);
      say(`export KUBECONFIG=${env.cluster.info.kubeconfig}`);
      say(`${env.kubectl} --kubeconfig ${env.cluster.info.kubeconfig} get namespaces`);
      say(`cairn up: running until interrupted (Ctrl-C), or 'cairn down --dir ${opts.dir}'`);
      await new Promise<void>((done) => {
        let stopping = false;
        const stop = (sig: string): void => {
          if (stopping) return;
          stopping = true;
          say(`cairn up: ${sig}: stopping`);
          env.stop().then(done, (err: unknown) => {
            process.stderr.write(`cairn up: stop failed: ${String(err)}\n`);
            done();
          });
        };
        process.once('SIGINT', () => stop('SIGINT'));
        process.once('SIGTERM', () => stop('SIGTERM'));
      });
      say('cairn up: stopped');
    });

  program
    .command('down')
    .description("stop the dev cluster that 'cairn up' runs on a directory")
    .option('--dir <dir>', 'state directory of the cluster', '.cairn')
    .action(async (opts: { dir: string }) => {
      const dir = resolve(opts.dir);
      const pid = runningPid(dir);
      if (!pid || !isAlive(pid)) {
        say(`cairn down: no dev cluster runs on ${dir}`);
        return;
      }
      process.kill(pid, 'SIGTERM');
      await waitFor(() => (isAlive(pid) ? undefined : true), {
        what: `cairn up (pid ${pid})`,
        timeoutMs: 60_000,
      });
      say(`cairn down: stopped the dev cluster on ${dir}`);
    });

  program
    .command('logs')
    .description('print the output of a container that the local pod runner ran')
    .argument('<pod>', 'pod name')
    .option('-n, --namespace <ns>', 'namespace', 'default')
    .option('-c, --container <name>', 'container (default: the only or first one)')
    .option('--dir <dir>', 'state directory of the dev cluster', '.cairn')
    .action((pod: string, opts: { namespace: string; container?: string; dir: string }) => {
      const file = containerLog(resolve(opts.dir), opts.namespace, pod, opts.container);
      process.stdout.write(readFileSync(file, 'utf8'));
    });
}

/** The log file of a pod's container in the pod runner's work directory (the newest pod of that name). */
export function containerLog(dir: string, namespace: string, pod: string, container?: string): string {
  const nsDir = join(dir, 'pods', namespace);
  const candidates = existsSync(nsDir)
    ? readdirSync(nsDir)
        .filter((d) => d.startsWith(`${pod}-`) && d.length === pod.length + 9)
        .map((d) => join(nsDir, d, 'logs'))
        .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)
    : [];
  const logs = candidates[0];
  if (!logs) throw new Error(`no pod "${pod}" ran in namespace "${namespace}" under ${dir}`);
  const files = readdirSync(logs).sort();
  const file = container ? `${container}.log` : files[0];
  if (!file || !files.includes(file)) {
    throw new Error(
      `pod "${pod}" has no container "${container}"; it has: ${files.map((f) => f.replace(/\.log$/, '')).join(', ')}`,
    );
  }
  return join(dirname(logs), 'logs', file);
}

import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadKubeConfig } from '../kube/config.ts';
import { DevCluster, type Identity } from './cluster.ts';
import { PodRunner } from './podrunner/runner.ts';
import { binaryPaths } from './toolchain.ts';

/** The dev cluster with its pod runner: what `cairn up` and the test harness run. */
export interface DevEnvironment {
  cluster: DevCluster;
  runner: PodRunner;
  kubectl: string;
  stop(): Promise<void>;
}

export interface DevEnvironmentOptions {
  dir: string;
  /** Image repositories the pod runner runs as Cairn's CLI. */
  images: string[];
  identities?: Identity[];
  log?: (msg: string) => void;
}

const cliMain = fileURLToPath(new URL('../cli/main.ts', import.meta.url));

export async function startDevEnvironment(o: DevEnvironmentOptions): Promise<DevEnvironment> {
  const cluster = new DevCluster({ dir: o.dir, identities: o.identities, log: o.log });
  try {
    await cluster.start();
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  const bins = binaryPaths();
  const runner = new PodRunner({
    kc: loadKubeConfig(cluster.info.kubeconfig),
    server: cluster.info.server,
    caPem: cluster.info.caPem,
    workDir: join(o.dir, 'pods'),
    images: Object.fromEntries(o.images.map((i) => [i, []])),
    cli: { command: process.execPath, args: ['--disable-warning=ExperimentalWarning', cliMain] },
    extraPath: [dirname(bins.restic), dirname(bins.kubectl)],
    log: (msg, fields) => o.log?.(`${msg}${fields ? ' ' + JSON.stringify(fields) : ''}`),
  });
  try {
    await runner.start();
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return {
    cluster,
    runner,
    kubectl: bins.kubectl,
    async stop() {
      await runner.stop();
      await cluster.stop();
    },
  };
}

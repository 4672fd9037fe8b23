// A second, independent cluster for tests that need two: a kube-apiserver on the suite's etcd under an etcd
// prefix of its own (so it shares no object with the suite's cluster), Cairn's CRDs and Addon catalog, and a
// real operator running in the test process against it, serving its admission webhooks (installed there
// by URL, as the dev cluster does). There is no controller manager and no pod runner: nothing runs Jobs or
// collects garbage there, which a cluster that only syncs a backend does not need.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createFileLog } from '../../src/common/log.ts';
import { applyAll, installCrds, manifests } from '../../src/devcluster/manifests.ts';
import { waitFor } from '../../src/devcluster/probe.ts';
import { projectRoot } from '../../src/devcluster/toolchain.ts';
import { kubeClient } from '../../src/kube/connect.ts';
import type { KubeClient, KubeObject } from '../../src/kube/types.ts';
import type { ControllerFactory } from '../../src/operator/backup-controllers.ts';
import { startOperator, type Operator } from '../../src/operator/operator.ts';
import { servingNames } from '../../src/operator/settings.ts';
import {
  MUTATING_CONFIGURATION,
  VALIDATING_CONFIGURATION,
  webhookConfigurations,
} from '../../src/webhooks/configurations.ts';
import { DEPLOY_NAMESPACE, DEPLOY_SERVICE } from '../../src/webhooks/deploy-manifest.ts';
import { startRestartableApiserver } from './apiserver-restart.ts';

export interface SecondCluster {
  /** Cairn's client as this cluster's admin. */
  client: KubeClient;
  kubeconfig: string;
  /** The operator's log file (JSON lines). */
  operatorLog: string;
  /** Stops the operator, then the apiserver; idempotent. */
  stop(): Promise<void>;
}

export interface SecondClusterOptions {
  /** The operator's backup-flow controllers (default all), e.g. one with a shorter resync interval. */
  controllers?: readonly ControllerFactory[];
}

/** Starts the second cluster and its operator; resolves once the operator admits and reconciles. */
export async function startSecondCluster(
  image: string,
  o: SecondClusterOptions = {},
): Promise<SecondCluster> {
  const dir = process.env.CAIRN_TEST_DIR;
  if (!dir) throw new Error('no dev cluster: run integration tests with their global setup');
  const api = await startRestartableApiserver([
    `--etcd-prefix=/cairn-second-${randomBytes(4).toString('hex')}`,
  ]);
  const client = kubeClient({ kubeconfig: api.kubeconfig });
  const operatorLog = join(dir, 'logs', `operator-${new URL(api.server).port}.log`);
  const file = createFileLog(operatorLog);
  let operator: Operator | undefined;
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await operator?.stop();
    file.close();
    await api.stop();
  };
  try {
    await installCrds(client);
    const deploy = join(projectRoot, 'deploy');
    await applyAll(
      client,
      manifests(join(deploy, 'operator')).filter((x) => x.kind === 'Namespace'),
    );
    // The operator runs as this cluster's admin: its RBAC is tested on the suite's cluster.
    operator = await startOperator({
      client,
      log: file.log,
      webhookListen: { host: '127.0.0.1', port: 0 },
      probeListen: { host: '127.0.0.1', port: 0 },
      certs: {
        secret: { namespace: DEPLOY_NAMESPACE, name: 'cairn-webhook-cert' },
        names: servingNames({ namespace: DEPLOY_NAMESPACE, name: DEPLOY_SERVICE }),
        caValidityMs: 24 * 3600_000,
        servingValidityMs: 24 * 3600_000,
      },
      configurations: { mutating: MUTATING_CONFIGURATION, validating: VALIDATING_CONFIGURATION },
      leaderElection: false,
      image,
      ...(o.controllers ? { controllers: o.controllers } : {}),
      signal: AbortSignal.timeout(60_000),
    });
    const op = operator;
    await applyAll(
      client,
      webhookConfigurations({ url: `https://127.0.0.1:${op.webhookPort}` }) as unknown as KubeObject[],
    );
    await op.syncNow();
    await waitFor(() => (op.notReadyReason() === undefined ? true : undefined), {
      what: 'the second cluster’s operator',
      timeoutMs: 30_000,
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return { client, kubeconfig: api.kubeconfig, operatorLog, stop };
}

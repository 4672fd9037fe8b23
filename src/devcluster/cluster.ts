import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { binaryPaths, requireBinary } from './toolchain.ts';
import { startProcess, tailFile, type ManagedProcess } from './processes.ts';
import { defaultPortPicker, pickPorts, StartupError, withPortRetry, type PortPicker } from './ports.ts';
import { probe, waitFor } from './probe.ts';
import { renderKubeconfig } from './kubeconfig.ts';
import { acquireDirLock, lockHolder, type DirLock } from './lock.ts';

/** What a started dev cluster exposes to its users; persisted in DIR/cluster.json. */
export interface ClusterInfo {
  dir: string;
  server: string;
  kubeconfig: string;
  caPem: string;
  adminToken: string;
  apiserverPort: number;
  etcdClientPort: number;
  etcdPeerPort: number;
  /** The PID of the process that runs the cluster (for `cairn down`). */
  pid: number;
}

export interface Identity {
  token: string;
  user: string;
  uid: string;
  groups: string[];
}

export interface ClusterOptions {
  dir: string;
  /** Extra token identities besides the admin (system:masters) one. */
  identities?: Identity[];
  log?: (msg: string) => void;
  /** Chooses the ports of etcd and the API server (default: the last start's when free, else any free one). */
  pickPort?: PortPicker;
  /**
   * Also run Deployments (their ReplicaSets) and Services: the controllers that make pods of a Deployment and
   * EndpointSlices of a Service, and the API server calls a webhook's Service at its endpoints (there is no
   * Service proxy here). What an operator installed from deploy/ needs to run as a pod (default false).
   */
  workloads?: boolean;
}

const CONTROLLERS = [
  'namespace-controller',
  'garbage-collector-controller',
  'job-controller',
  'cronjob-controller',
  'ttl-after-finished-controller',
  'serviceaccount-controller',
  'serviceaccount-token-controller',
  'root-ca-certificate-publisher-controller',
  'pod-garbage-collector-controller',
  // A PVC carries the protection finalizer from admission; without its controller the claim, and with it its
  // namespace, is never deleted.
  'persistentvolumeclaim-protection-controller',
];
const WORKLOAD_CONTROLLERS = ['deployment-controller', 'replicaset-controller', 'endpointslice-controller'];

/**
 * A local control plane: etcd, kube-apiserver and kube-controller-manager on 127.0.0.1. Its state
 * lives in `dir`, so starting again on the same directory brings back the same objects.
 */
export class DevCluster {
  readonly dir: string;
  #opts: ClusterOptions;
  #procs: ManagedProcess[] = [];
  #info: ClusterInfo | undefined;
  #stopping = false;
  #lock: DirLock | undefined;

  constructor(opts: ClusterOptions) {
    this.dir = resolve(opts.dir);
    this.#opts = opts;
  }

  get info(): ClusterInfo {
    if (!this.#info) throw new Error('the dev cluster is not started');
    return this.#info;
  }

  get processes(): readonly ManagedProcess[] {
    return this.#procs;
  }

  /** Starts every component and resolves when the API server and controllers answer. */
  async start(): Promise<ClusterInfo> {
    const bins = binaryPaths();
    const etcdBin = requireBinary(bins.etcd, 'etcd');
    const apiserverBin = requireBinary(bins.kubeApiserver, 'kube-apiserver');
    const kcmBin = requireBinary(bins.kubeControllerManager, 'kube-controller-manager');
    const log = this.#opts.log ?? (() => {});
    const dir = this.dir;
    const pki = join(dir, 'pki');
    const logs = join(dir, 'logs');
    for (const d of [dir, pki, logs, join(dir, 'etcd')]) mkdirSync(d, { recursive: true, mode: 0o700 });

    this.#lock = acquireDirLock(dir, (stale) =>
      log(
        `found a stale lock of pid ${stale.pid} on ${dir} (that process is gone); taking the directory over`,
      ),
    );
    const previous = readState(dir);
    const pick = this.#opts.pickPort ?? defaultPortPicker;
    const onLostPort = (err: StartupError): void =>
      log(`${err.component} could not bind its port (another process took it); starting it on fresh ports`);
    const adminToken = previous?.adminToken ?? randomBytes(24).toString('hex');
    ensureServiceAccountKeys(pki);
    const identities: Identity[] = [
      { token: adminToken, user: 'admin', uid: 'admin', groups: ['system:masters'] },
      ...(this.#opts.identities ?? []),
    ];
    writeFileSync(
      join(pki, 'tokens.csv'),
      identities.map((i) => `${i.token},${i.user},${i.uid},"${i.groups.join(',')}"`).join('\n') + '\n',
      { mode: 0o600 },
    );

    // A port found free can be taken before the component binds it: such a start is retried on fresh ports.
    const { etcdUrl, etcdClientPort, etcdPeerPort } = await withPortRetry(async (attempt) => {
      const ports = await pickPorts(pick, [
        { role: 'etcd-client', previous: attempt === 0 ? previous?.etcdClientPort : undefined },
        { role: 'etcd-peer', previous: attempt === 0 ? previous?.etcdPeerPort : undefined },
      ]);
      const etcdClientPort = ports['etcd-client'];
      const etcdPeerPort = ports['etcd-peer'];
      const etcdUrl = `http://127.0.0.1:${etcdClientPort}`;
      log(`starting etcd on ${etcdUrl}`);
      const etcd = this.#start('etcd', etcdBin, [
        `--name=cairn`,
        `--data-dir=${join(dir, 'etcd')}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
        `--initial-cluster=cairn=http://127.0.0.1:${etcdPeerPort}`,
        `--listen-metrics-urls=`,
        '--unsafe-no-fsync=true',
        '--log-level=warn',
      ]);
      await this.#ready(
        async () => {
          const r = await probe(`${etcdUrl}/health`);
          return r.status === 200 && r.body.includes('"health":"true"') ? true : undefined;
        },
        etcd,
        30_000,
      );
      return { etcdUrl, etcdClientPort, etcdPeerPort };
    }, onLostPort);

    const certFile = join(pki, 'apiserver.crt');
    const { server, apiserverPort, caPem } = await withPortRetry(async (attempt) => {
      const apiserverPort = await pick('apiserver', attempt === 0 ? previous?.apiserverPort : undefined);
      const server = `https://127.0.0.1:${apiserverPort}`;
      log(`starting kube-apiserver on ${server}`);
      const apiserver = this.#start('kube-apiserver', apiserverBin, [
        `--etcd-servers=${etcdUrl}`,
        `--cert-dir=${pki}`,
        `--secure-port=${apiserverPort}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        '--service-cluster-ip-range=10.96.0.0/16',
        '--allow-privileged=true',
        '--authorization-mode=RBAC',
        `--token-auth-file=${join(pki, 'tokens.csv')}`,
        `--service-account-issuer=https://kubernetes.default.svc.cluster.local`,
        `--service-account-key-file=${join(pki, 'sa.pub')}`,
        `--service-account-signing-key-file=${join(pki, 'sa.key')}`,
        '--profiling=false',
        // The 'kubernetes' Service cannot point at a loopback address; nothing in the dev cluster needs it.
        '--endpoint-reconciler-type=none',
        ...(this.#opts.workloads ? ['--enable-aggregator-routing=true'] : []),
        '--v=1',
      ]);
      const caPem = await this.#ready(
        async () => {
          if (!existsSync(certFile)) return undefined;
          const ca = readFileSync(certFile, 'utf8');
          const r = await probe(`${server}/readyz`, { ca, token: adminToken });
          return r.status === 200 ? ca : undefined;
        },
        apiserver,
        90_000,
      );
      return { server, apiserverPort, caPem };
    }, onLostPort);
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, renderKubeconfig({ server, caPem, user: 'admin', token: adminToken }), {
      mode: 0o600,
    });

    log('starting kube-controller-manager');
    const kcm = this.#start('kube-controller-manager', kcmBin, [
      `--kubeconfig=${kubeconfig}`,
      '--leader-elect=false',
      '--secure-port=0',
      `--controllers=${[...CONTROLLERS, ...(this.#opts.workloads ? WORKLOAD_CONTROLLERS : [])].join(',')}`,
      `--service-account-private-key-file=${join(pki, 'sa.key')}`,
      `--root-ca-file=${certFile}`,
      '--v=1',
    ]);
    // The serviceaccount and root-ca publisher controllers fill every namespace; seeing both in
    // `default` proves the controller manager runs and reaches the API server.
    await this.#ready(
      async () => {
        const sa = await probe(`${server}/api/v1/namespaces/default/serviceaccounts/default`, {
          ca: caPem,
          token: adminToken,
        });
        const cm = await probe(`${server}/api/v1/namespaces/default/configmaps/kube-root-ca.crt`, {
          ca: caPem,
          token: adminToken,
        });
        return sa.status === 200 && cm.status === 200 ? true : undefined;
      },
      kcm,
      60_000,
    );

    this.#info = {
      dir,
      server,
      kubeconfig,
      caPem,
      adminToken,
      apiserverPort,
      etcdClientPort,
      etcdPeerPort,
      pid: process.pid,
    };
    writeFileSync(join(dir, STATE), JSON.stringify(this.#info, null, 2), { mode: 0o600 });
    return this.#info;
  }

  /** Stops the components in reverse order of start; safe to call more than once. */
  async stop(): Promise<void> {
    this.#stopping = true;
    for (const p of [...this.#procs].reverse()) await p.stop();
    this.#procs = [];
    this.#lock?.release();
    this.#lock = undefined;
  }

  /** The tail of every component's log, for a failure report. */
  logs(lines = 30): string {
    return this.#procs.map((p) => `--- ${p.name} (${p.logFile})\n${tailFile(p.logFile, lines)}`).join('\n');
  }

  #start(name: string, command: string, args: string[]): ManagedProcess {
    const p = startProcess({ name, command, args, logFile: join(this.dir, 'logs', `${name}.log`) });
    this.#procs.push(p);
    void p.exited.then((exit) => {
      if (!this.#stopping) {
        (this.#opts.log ?? (() => {}))(
          `${name} exited unexpectedly (code ${exit.code}, signal ${exit.signal}); log: ${p.logFile}`,
        );
      }
    });
    return p;
  }

  /**
   * Waits until `check` answers for component `p`. A failure is a StartupError carrying the tail of its
   * log; a component that exited is forgotten, so that a retry starts a fresh one.
   */
  async #ready<T>(check: () => Promise<T | undefined>, p: ManagedProcess, timeoutMs: number): Promise<T> {
    try {
      return await waitFor(check, {
        what: p.name,
        timeoutMs,
        abortIf: () => (p.hasExited() ? 'exited during start-up' : undefined),
      });
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      const exited = p.hasExited();
      if (exited) this.#procs = this.#procs.filter((q) => q !== p);
      // Only this run's output: an earlier attempt's lost port must not make a different failure look alike.
      const tail = tailFile(p.logFile, 30, p.logOffset);
      throw new StartupError(p.name, `${msg}; last lines of ${p.logFile}:\n${tail}`, exited, tail, {
        cause: err,
      });
    }
  }
}

const STATE = 'cluster.json';

/** What the last start in `dir` left behind (its ports and token are reused), if anything. */
export function readState(dir: string): ClusterInfo | undefined {
  const f = join(dir, STATE);
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as ClusterInfo) : undefined;
}

/** The PID of the live process running a cluster on `dir`; undefined when none runs (a stale lock is none). */
export function runningPid(dir: string): number | undefined {
  return lockHolder(dir)?.pid;
}

function ensureServiceAccountKeys(pki: string): void {
  const key = join(pki, 'sa.key');
  const pub = join(pki, 'sa.pub');
  if (existsSync(key) && existsSync(pub)) return;
  const pair = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  writeFileSync(key, pair.privateKey, { mode: 0o600 });
  writeFileSync(pub, pair.publicKey, { mode: 0o600 });
}

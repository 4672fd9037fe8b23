// The operator process: the shared informers and the controller manager (reconcilers run on the replica
// that holds the lease), the admission webhooks over HTTPS with the certificate the webhook-cert reconciler
// keeps in its Secret (served by every replica), and probes and metrics over HTTP.
import type { Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { KubeClient } from '../kube/types.ts';
import { errorText } from '../common/redact.ts';
import { LogMessage, type Log } from '../common/log.ts';
import { Informers } from '../controller/informers.ts';
import { Manager } from '../controller/manager.ts';
import { controllerMetrics } from '../controller/metrics.ts';
import type { CertSettings } from '../reconcilers/webhook-cert/cert-secret.ts';
import {
  webhookCertController,
  webhookCertKeys,
  webhookCertSources,
  type ConfigurationNames,
} from '../reconcilers/webhook-cert/reconciler.ts';
import { admissionCaches, cacheReader } from '../webhooks/cache-reader.ts';
import { liveReader } from '../webhooks/live-reader.ts';
import { ROUTES } from '../webhooks/routes.ts';
import type { ClusterReader, WebhookRoute } from '../webhooks/routes.ts';
import { admissionMetrics } from './admission-metrics.ts';
import { BACKUP_CONTROLLERS, type ControllerFactory } from './backup-controllers.ts';
import { createProbeServer } from './probe-server.ts';
import { ServingCert } from './serving-cert.ts';
import { createWebhookServer, type WebhookServer } from './webhook-server.ts';

/** The image a Job or CronJob of Cairn's runs when the operator is not told one (`--image`). */
export const DEFAULT_OPERATOR_IMAGE = 'ghcr.io/cairn-backup/cairn:0.1.0';

export interface Listen {
  host: string;
  /** 0 picks a free port. */
  port: number;
}

export interface LeaderElectionSettings {
  /** Default: the namespace of the certificate Secret. */
  namespace?: string;
  /** Default `cairn-operator`. */
  name?: string;
  identity?: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
}

export interface OperatorOptions {
  client: KubeClient;
  log: Log;
  webhookListen: Listen;
  probeListen: Listen;
  certs: CertSettings;
  configurations: ConfigurationNames;
  /** The longest wait between two checks of the certificate (default 10 min; renewal is timed exactly). */
  resyncMs?: number;
  /** The Lease that decides which replica reconciles; `false` runs the reconcilers unconditionally. */
  leaderElection?: LeaderElectionSettings | false;
  /** Register Node's process metrics (off when the operator runs inside another program). */
  processMetrics?: boolean;
  routes?: readonly WebhookRoute[];
  reader?: ClusterReader;
  /** Cairn's image (`repository:tag`), for the Jobs and CronJobs reconcilers create. */
  image?: string;
  /** The backup-flow controllers to run (default BACKUP_CONTROLLERS; tests may pass a subset). */
  controllers?: readonly ControllerFactory[];
  /** Aborts a start that is still waiting for its first certificate (no effect once started). */
  signal?: AbortSignal;
}

export interface Operator {
  webhookPort: number;
  probePort: number;
  /** Whether this replica runs the reconcilers now. */
  leading(): boolean;
  /** Undefined when ready to admit, else why not. */
  notReadyReason(): string | undefined;
  /** Runs the certificate reconciler now on the leader (e.g. right after the configurations were installed). */
  syncNow(): Promise<void>;
  stop(): Promise<void>;
}

function listen(server: Server, at: Listen): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: at.host, port: at.port }, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    (server as Server & { closeAllConnections?: () => void }).closeAllConnections?.();
  });
}

/**
 * Starts the operator. Resolves once both servers listen and a first certificate is served (the leader
 * issues it, every replica reads it from the Secret), or rejects when `signal` aborts that wait. Ready once
 * the informers are synced and the webhook configurations trust the served certificate.
 */
export async function startOperator(o: OperatorOptions): Promise<Operator> {
  const log = o.log;
  const registry = new Registry();
  if (o.processMetrics) collectDefaultMetrics({ register: registry });
  const metrics = admissionMetrics(registry);
  const expiry = new Gauge({
    name: 'cairn_webhook_certificate_expiry_timestamp_seconds',
    help: 'When the serving certificate of the webhooks expires (Unix seconds).',
    registers: [registry],
  });
  const cmetrics = controllerMetrics(registry);

  const informers = new Informers(o.client, { log });
  const sources = webhookCertSources(informers, o.certs.secret, o.configurations);
  // The webhooks read only from the shared caches: no call to the API server per admission request.
  const reader = o.reader ?? cacheReader(admissionCaches((resource) => informers.informer({ resource })));
  const certController = webhookCertController(
    {
      client: o.client,
      sources,
      certs: o.certs,
      configurations: o.configurations,
      resyncMs: o.resyncMs,
      log,
    },
    cmetrics,
  );
  const deps = {
    client: o.client,
    informers,
    log,
    metrics: cmetrics,
    image: o.image ?? DEFAULT_OPERATOR_IMAGE,
    operatorNamespace: o.certs.secret.namespace,
  };
  const backupControllers = (o.controllers ?? BACKUP_CONTROLLERS).map((make) => make(deps));
  const election = o.leaderElection === false ? undefined : (o.leaderElection ?? {});
  const manager = new Manager({
    informers,
    controllers: [certController, ...backupControllers],
    leaderElection: election && {
      client: o.client,
      namespace: election.namespace ?? o.certs.secret.namespace,
      name: election.name ?? 'cairn-operator',
      identity: election.identity,
      leaseDurationMs: election.leaseDurationMs,
      renewDeadlineMs: election.renewDeadlineMs,
      retryPeriodMs: election.retryPeriodMs,
    },
    log,
    metrics: cmetrics,
  });

  let stopping = false;
  let webhook: WebhookServer | undefined;
  const serving = new ServingCert({
    sources,
    secret: o.certs.secret,
    configurations: o.configurations,
    log,
    onServe(bundle, notAfter) {
      expiry.set(Math.floor(notAfter.getTime() / 1000));
      webhook?.setCertificate({ cert: bundle['tls.crt'], key: bundle['tls.key'] });
    },
  });
  const notReadyReason = (): string | undefined => {
    if (stopping) return 'stopping';
    const unsynced = informers.unsynced();
    if (unsynced.length > 0) {
      const failures = informers.failures();
      return `the informers of ${unsynced.join(', ')} are not synced yet${failures.length > 0 ? ` (${failures.join('; ')})` : ''}`;
    }
    if (!webhook) return 'no serving certificate yet';
    return serving.notReadyReason();
  };
  const probes = createProbeServer({ notReadyReason, registry });
  const probePort = await listen(probes, o.probeListen);
  log.info(LogMessage.listening, { addr: `${o.probeListen.host}:${probePort}`, reason: 'probes' });
  serving.start();
  manager.start();

  const abandon = async (err: unknown): Promise<never> => {
    stopping = true;
    serving.stop();
    await manager.stop();
    await close(probes);
    throw err;
  };
  let webhookPort: number;
  try {
    const first = await serving.first(o.signal);
    webhook = createWebhookServer({
      routes: o.routes ?? ROUTES,
      reader,
      // A denial or a default not found is decided again from the API server (rare; never on the common path).
      confirm: o.reader ? undefined : liveReader(o.client),
      log,
      tls: { cert: first['tls.crt'], key: first['tls.key'] },
      metrics,
    });
    webhook.server.on('error', (err) => log.error(LogMessage.serverError, { err: errorText(err) }));
    webhookPort = await listen(webhook.server, o.webhookListen);
  } catch (err) {
    return abandon(err);
  }
  // A bundle chosen between the first one and the server's creation is served from now on.
  const now = serving.served;
  if (now) webhook.setCertificate({ cert: now['tls.crt'], key: now['tls.key'] });
  const server = webhook.server;
  log.info(LogMessage.listening, { addr: `${o.webhookListen.host}:${webhookPort}`, reason: 'webhooks' });
  log.info(LogMessage.started, {});

  const keys = webhookCertKeys(o);
  let stopCalled = false;
  return {
    webhookPort,
    probePort,
    leading: () => manager.leading,
    notReadyReason,
    async syncNow() {
      for (const k of [keys.secret, keys.mutating, keys.validating]) certController.enqueue(k);
      await certController.idle();
    },
    async stop() {
      if (stopCalled) return;
      stopCalled = true;
      stopping = true;
      log.info(LogMessage.stopping, {});
      serving.stop();
      await manager.stop();
      await Promise.all([close(probes), close(server)]);
      log.info(LogMessage.stopped, {});
    },
  };
}

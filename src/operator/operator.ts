// The operator process: probes and metrics over HTTP, admission webhooks over HTTPS with a certificate it
// issues and renews itself, and the CA bundle kept in its webhook configurations.
import { X509Certificate } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:net';
import type { KubeConfig } from '@kubernetes/client-node';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { kubeReader } from '../webhooks/kube-reader.ts';
import { ROUTES } from '../webhooks/routes.ts';
import type { ClusterReader, WebhookRoute } from '../webhooks/routes.ts';
import { injectCaBundle, type ConfigurationNames } from './ca-injector.ts';
import type { CertBundle } from './cert-plan.ts';
import { syncCertSecret, type CertSettings, type CertSyncResult } from './cert-secret.ts';
import { LogMessage, type Log } from './log.ts';
import { errorText } from '../common/redact.ts';
import { createProbeServer } from './probe-server.ts';
import { createWebhookServer, type WebhookServer } from './webhook-server.ts';

export interface Listen {
  host: string;
  /** 0 picks a free port. */
  port: number;
}

export interface OperatorOptions {
  kc: KubeConfig;
  log: Log;
  webhookListen: Listen;
  probeListen: Listen;
  certs: CertSettings;
  configurations: ConfigurationNames;
  /** How often the certificate and CA bundle are reconciled once ready (default: a sixth of the serving lifetime, at most 1 min). */
  resyncMs?: number;
  /** Register Node's process metrics (off when the operator runs inside another program). */
  processMetrics?: boolean;
  routes?: readonly WebhookRoute[];
  reader?: ClusterReader;
  /** Aborts a start that is still waiting for its first certificate (no effect once started). */
  signal?: AbortSignal;
}

export interface Operator {
  webhookPort: number;
  probePort: number;
  /** Undefined when ready to admit, else why not. */
  notReadyReason(): string | undefined;
  /** Reconciles the certificate and the CA bundle now (e.g. right after the configurations were installed). */
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
 * Starts the operator. Resolves once both servers listen and the first certificate is in place (it keeps
 * retrying the Secret until then, or until stopped); readiness additionally waits for the CA bundle to be
 * in both webhook configurations.
 */
export async function startOperator(o: OperatorOptions): Promise<Operator> {
  const log = o.log;
  const registry = new Registry();
  if (o.processMetrics) collectDefaultMetrics({ register: registry });
  const metrics = {
    reviews: new Counter({
      name: 'cairn_admission_reviews_total',
      help: 'Admission reviews answered, by webhook and outcome (true, false, error).',
      labelNames: ['webhook', 'allowed'] as const,
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'cairn_admission_review_duration_seconds',
      help: 'Time to answer an admission review, including reads of other objects.',
      labelNames: ['webhook'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
  };
  const expiry = new Gauge({
    name: 'cairn_webhook_certificate_expiry_timestamp_seconds',
    help: 'When the serving certificate of the webhooks expires (Unix seconds).',
    registers: [registry],
  });

  let stopped = false;
  let stopCalled = false;
  let loaded: CertBundle | undefined;
  let injected = false;
  let certError: string | undefined;
  let bundleError: string | undefined;
  let webhook: WebhookServer | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const resyncMs = o.resyncMs ?? Math.min(60_000, Math.max(1000, Math.floor(o.certs.servingValidityMs / 6)));

  const notReadyReason = (): string | undefined => {
    if (stopped) return 'stopping';
    if (!loaded || !webhook) return `no serving certificate yet${certError ? ` (${certError})` : ''}`;
    if (!injected)
      return `the CA bundle is not in the webhook configurations yet${bundleError ? ` (${bundleError})` : ''}`;
    return undefined;
  };
  const probes = createProbeServer({ notReadyReason, registry });
  const probePort = await listen(probes, o.probeListen);
  log.info(LogMessage.listening, { addr: `${o.probeListen.host}:${probePort}`, reason: 'probes' });

  const secretName = `${o.certs.secret.namespace}/${o.certs.secret.name}`;
  /** Serves the bundle's certificate (if it is not the one served already) and remembers the bundle. */
  const serve = (r: CertSyncResult): void => {
    const changed =
      !loaded || loaded['tls.crt'] !== r.bundle['tls.crt'] || loaded['tls.key'] !== r.bundle['tls.key'];
    loaded = r.bundle;
    if (!changed) return;
    const notAfter = new X509Certificate(r.bundle['tls.crt']).validToDate;
    expiry.set(Math.floor(notAfter.getTime() / 1000));
    webhook?.setCertificate({ cert: r.bundle['tls.crt'], key: r.bundle['tls.key'] });
    log.info(r.wrote ? LogMessage.certIssued : LogMessage.certLoaded, {
      secret: secretName,
      notAfter: notAfter.toISOString(),
      ...(r.plan.action !== 'keep' ? { reason: r.plan.reason } : {}),
    });
  };
  /** Puts `caPem` into every webhook entry; true when both configurations hold it. */
  const inject = async (caPem: string): Promise<boolean> => {
    const r = await injectCaBundle(o.kc, o.configurations, Buffer.from(caPem).toString('base64'));
    for (const c of r.patched) log.info(LogMessage.caBundleInjected, { configuration: c });
    bundleError =
      r.missing.length === 0 ? undefined : `webhook configuration ${r.missing.join(', ')} not found`;
    return r.missing.length === 0;
  };
  /**
   * Reconciles the Secret, then the CA bundle, then what is served: a certificate of a new CA is served only
   * once the API server trusts that CA, so a CA renewal never breaks a call. (The first certificate is served
   * at once: there is nothing to protect yet.)
   */
  const sync = async (): Promise<void> => {
    let r: CertSyncResult;
    try {
      r = await syncCertSecret(o.kc, o.certs, new Date());
      certError = undefined;
    } catch (err) {
      certError = errorText(err);
      log.error(LogMessage.certSyncFailed, { secret: secretName, err: certError });
      return;
    }
    const newCa = loaded !== undefined && loaded['ca.crt'] !== r.bundle['ca.crt'];
    try {
      injected = await inject(r.bundle['ca.crt']);
    } catch (err) {
      injected = false;
      bundleError = errorText(err);
      log.error(LogMessage.caBundleFailed, { err: bundleError });
      if (newCa) return; // keep serving the certificate the API server still trusts
    }
    serve(r);
  };
  // One sync at a time; the next is scheduled sooner while not ready.
  const tick = (): Promise<void> => {
    running = running.then(sync);
    return running;
  };
  let backoff = 250;
  const schedule = (): void => {
    if (stopped) return;
    const delay = notReadyReason() ? backoff : resyncMs;
    backoff = notReadyReason() ? Math.min(backoff * 2, resyncMs) : 250;
    timer = setTimeout(() => void tick().then(schedule), delay);
  };

  // The signal only cuts the wait for the first certificate short; a started operator stops through stop().
  let startAborted = o.signal?.aborted ?? false;
  const onAbort = (): void => {
    startAborted = true;
  };
  o.signal?.addEventListener('abort', onAbort, { once: true });
  const stopProbes = async (): Promise<void> => {
    stopped = true;
    if (timer) clearTimeout(timer);
    await close(probes);
  };
  try {
    await tick();
    while (!loaded && !startAborted) {
      await new Promise((r) => setTimeout(r, backoff));
      backoff = Math.min(backoff * 2, 10_000);
      await tick();
    }
    o.signal?.removeEventListener('abort', onAbort);
    if (!loaded)
      throw new Error(`no serving certificate could be obtained${certError ? `: ${certError}` : ''}`);
    webhook = createWebhookServer({
      routes: o.routes ?? ROUTES,
      reader: o.reader ?? kubeReader(o.kc),
      log,
      tls: { cert: loaded['tls.crt'], key: loaded['tls.key'] },
      metrics,
    });
    webhook.server.on('error', (err) => log.error(LogMessage.serverError, { err: errorText(err) }));
  } catch (err) {
    await stopProbes();
    throw err;
  }
  const server = webhook.server;
  let webhookPort: number;
  try {
    webhookPort = await listen(server, o.webhookListen);
  } catch (err) {
    await stopProbes();
    throw err;
  }
  log.info(LogMessage.listening, { addr: `${o.webhookListen.host}:${webhookPort}`, reason: 'webhooks' });
  backoff = 250;
  schedule();
  log.info(LogMessage.started, {});

  return {
    webhookPort,
    probePort,
    notReadyReason,
    syncNow: tick,
    async stop() {
      if (stopCalled) return;
      stopCalled = true;
      log.info(LogMessage.stopping, {});
      stopped = true;
      if (timer) clearTimeout(timer);
      await running.catch(() => undefined);
      await Promise.all([close(probes), close(server)]);
      log.info(LogMessage.stopped, {});
    },
  };
}

// `cairn operator`: the composition root of the operator process (flags and environment are read here).
import type { Command } from 'commander';
import { kubeClient } from '../kube/connect.ts';
import { createLog, LogMessage } from '../common/log.ts';
import { startOperator } from '../operator/operator.ts';
import { errorText } from '../common/redact.ts';
import { parseDuration, parseListen, servingNames } from '../operator/settings.ts';
import { MUTATING_CONFIGURATION, VALIDATING_CONFIGURATION } from '../webhooks/configurations.ts';
import { cairnVersion } from '../common/version.ts';

/** Where the release images are published; the tag is the version of this `cairn`. */
const RELEASE_IMAGE = 'ghcr.io/cairn-backup/cairn';

interface OperatorFlags {
  kubeconfig?: string;
  webhookBindAddress: string;
  probeBindAddress: string;
  certSecretNamespace: string;
  certSecretName: string;
  serviceName: string;
  serviceNamespace?: string;
  mutatingConfiguration: string;
  validatingConfiguration: string;
  certValidity: string;
  caValidity: string;
  leaderElect: boolean;
  leaseNamespace?: string;
  leaseName: string;
  leaseDuration: string;
  renewDeadline: string;
  retryPeriod: string;
  logLevel: string;
  image?: string;
}

export function registerOperatorCommand(program: Command): void {
  program
    .command('operator')
    .description(
      'run the Cairn operator: admission webhooks (HTTPS) and probes/metrics (HTTP), until SIGTERM',
    )
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config, or in-cluster)')
    .option(
      '--webhook-bind-address <host:port>',
      'where the admission webhooks listen (HTTPS)',
      '0.0.0.0:9443',
    )
    .option(
      '--probe-bind-address <host:port>',
      'where /healthz, /readyz and /metrics listen (HTTP)',
      '0.0.0.0:8080',
    )
    .option(
      '--cert-secret-namespace <ns>',
      'namespace of the Secret holding the webhook CA and serving certificate',
      process.env.POD_NAMESPACE || 'cairn-system',
    )
    .option('--cert-secret-name <name>', 'name of that Secret', 'cairn-webhook-cert')
    .option(
      '--service-name <name>',
      'the Service in front of the webhooks (its DNS names go into the certificate)',
      'cairn-webhook',
    )
    .option('--service-namespace <ns>', "the Service's namespace (default: --cert-secret-namespace)")
    .option(
      '--mutating-configuration <name>',
      'MutatingWebhookConfiguration to keep the CA bundle in',
      MUTATING_CONFIGURATION,
    )
    .option(
      '--validating-configuration <name>',
      'ValidatingWebhookConfiguration to keep the CA bundle in',
      VALIDATING_CONFIGURATION,
    )
    .option(
      '--cert-validity <duration>',
      'lifetime of a serving certificate (renewed with a third left)',
      '2160h',
    )
    .option('--ca-validity <duration>', 'lifetime of the CA (renewed with a third left)', '87600h')
    .option('--no-leader-elect', 'reconcile without holding the lease (only with a single replica)')
    .option('--lease-namespace <ns>', "the leader Lease's namespace (default: --cert-secret-namespace)")
    .option('--lease-name <name>', 'the Lease that decides which replica reconciles', 'cairn-operator')
    .option('--lease-duration <duration>', 'how long a lease holds without renewal', '15s')
    .option('--renew-deadline <duration>', 'how long the leader retries renewing before it steps down', '10s')
    .option('--retry-period <duration>', 'the pause between two attempts to acquire or renew', '2s')
    .option(
      '--image <ref>',
      "Cairn's image for the Jobs and CronJobs the operator creates (default: $CAIRN_IMAGE, else the release's)",
    )
    .option('--log-level <level>', 'trace, debug, info, warn or error', 'info')
    .action(async (flags: OperatorFlags) => {
      const log = createLog({ level: flags.logLevel });
      const service = {
        namespace: flags.serviceNamespace ?? flags.certSecretNamespace,
        name: flags.serviceName,
      };
      const abort = new AbortController();
      const running: { stop?: () => Promise<void> } = {};
      const stopped = new Promise<void>((resolve) => {
        const onSignal = (signal: string): void => {
          log.info(LogMessage.signal, { signal });
          abort.abort();
          void (running.stop?.() ?? Promise.resolve()).then(resolve, (err: unknown) => {
            log.error(LogMessage.serverError, { err: errorText(err) });
            resolve();
          });
        };
        process.once('SIGTERM', () => onSignal('SIGTERM'));
        process.once('SIGINT', () => onSignal('SIGINT'));
      });
      const starting = startOperator({
        client: kubeClient({ kubeconfig: flags.kubeconfig }),
        log,
        webhookListen: parseListen(flags.webhookBindAddress),
        probeListen: parseListen(flags.probeBindAddress),
        certs: {
          secret: { namespace: flags.certSecretNamespace, name: flags.certSecretName },
          names: servingNames(service),
          caValidityMs: parseDuration(flags.caValidity),
          servingValidityMs: parseDuration(flags.certValidity),
        },
        configurations: { mutating: flags.mutatingConfiguration, validating: flags.validatingConfiguration },
        leaderElection: flags.leaderElect && {
          namespace: flags.leaseNamespace ?? flags.certSecretNamespace,
          name: flags.leaseName,
          // The pod's name in a cluster, so `kubectl get lease` names the leading pod.
          identity: process.env.POD_NAME || undefined,
          leaseDurationMs: parseDuration(flags.leaseDuration),
          renewDeadlineMs: parseDuration(flags.renewDeadline),
          retryPeriodMs: parseDuration(flags.retryPeriod),
        },
        processMetrics: true,
        image: flags.image ?? (process.env.CAIRN_IMAGE || `${RELEASE_IMAGE}:${cairnVersion()}`),
        signal: abort.signal,
      });
      let operator;
      try {
        operator = await starting;
      } catch (err) {
        if (abort.signal.aborted) return; // interrupted while waiting for the first certificate
        throw err;
      }
      running.stop = () => operator.stop();
      if (abort.signal.aborted) await operator.stop();
      await stopped;
    });
}

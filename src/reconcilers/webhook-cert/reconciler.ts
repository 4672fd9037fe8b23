// The webhook certificate reconciler: keeps the CA and serving certificate in their Secret (issued, renewed
// before they are due) and the CA bundle in every entry of Cairn's two webhook configurations. Three keys,
// one per object: the Secret's run is requeued for its next renewal; a configuration's run re-injects the
// CA bundle whenever the configuration changes (someone tampered with it, or it was just installed).
import type { V1Secret } from '@kubernetes/client-node';
import { K8S, type ResourceType } from '../../api/resource-type.ts';
import type { KubeClient, KubeObject } from '../../kube/types.ts';
import type { Informer } from '../../kube/informer.ts';
import { LogMessage, type Log } from '../../common/log.ts';
import { Controller } from '../../controller/controller.ts';
import type { Informers } from '../../controller/informers.ts';
import type { ControllerMetrics } from '../../controller/metrics.ts';
import type { Reconciler, ReconcileResult } from '../../controller/reconciler.ts';
import { injectCaBundle } from './ca-injector.ts';
import { decode, syncCertSecret, type CertSettings, type SecretRef } from './cert-secret.ts';
import { renewalInMs } from './serving.ts';

export type SecretObject = V1Secret & KubeObject;

export interface ConfigurationNames {
  mutating: string;
  validating: string;
}

/** The informers the certificate is read from, by every replica: the Secret and both configurations. */
export interface WebhookCertSources {
  secret: Informer<SecretObject>;
  mutating: Informer<KubeObject>;
  validating: Informer<KubeObject>;
}

const byName = (name: string): string => `metadata.name=${name}`;

/** The shared informers of the certificate's objects, each narrowed to the one object by name. */
export function webhookCertSources(
  informers: Informers,
  secret: SecretRef,
  configurations: ConfigurationNames,
): WebhookCertSources {
  return {
    secret: informers.informer<SecretObject>({
      resource: K8S.secrets,
      namespace: secret.namespace,
      fieldSelector: byName(secret.name),
    }),
    mutating: informers.informer({
      resource: K8S.mutatingWebhookConfigurations,
      fieldSelector: byName(configurations.mutating),
    }),
    validating: informers.informer({
      resource: K8S.validatingWebhookConfigurations,
      fieldSelector: byName(configurations.validating),
    }),
  };
}

export interface WebhookCertOptions {
  client: KubeClient;
  sources: WebhookCertSources;
  certs: CertSettings;
  configurations: ConfigurationNames;
  /** The longest wait between two runs of the Secret's key (default 10 min). */
  resyncMs?: number;
  log: Log;
}

/** The keys of the three objects. */
export function webhookCertKeys(o: Pick<WebhookCertOptions, 'certs' | 'configurations'>) {
  return {
    secret: `secret:${o.certs.secret.namespace}/${o.certs.secret.name}`,
    mutating: `mutating:${o.configurations.mutating}`,
    validating: `validating:${o.configurations.validating}`,
  };
}

/** Runs shorter than this apart are not asked for, whatever the certificate's lifetime. */
const MIN_REQUEUE_MS = 250;

export class WebhookCertReconciler implements Reconciler {
  readonly #o: WebhookCertOptions;
  readonly #keys: ReturnType<typeof webhookCertKeys>;

  constructor(o: WebhookCertOptions) {
    this.#o = o;
    this.#keys = webhookCertKeys(o);
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    if (key === this.#keys.secret) return this.#secret();
    if (key === this.#keys.mutating)
      return this.#configuration(K8S.mutatingWebhookConfigurations, this.#o.sources.mutating);
    if (key === this.#keys.validating)
      return this.#configuration(K8S.validatingWebhookConfigurations, this.#o.sources.validating);
  }

  /** Read (cache) → plan → write once; then wait until the next renewal is due. */
  async #secret(): Promise<ReconcileResult> {
    const { certs, sources, log } = this.#o;
    const now = new Date();
    const cached = sources.secret.get(certs.secret.name, certs.secret.namespace);
    const r = await syncCertSecret(this.#o.client, certs, cached, now);
    if (r.wrote && r.plan.action !== 'keep') {
      log.info(LogMessage.certIssued, {
        secret: `${certs.secret.namespace}/${certs.secret.name}`,
        reason: r.plan.reason,
      });
    }
    const resyncMs = this.#o.resyncMs ?? 600_000;
    return { requeueAfterMs: Math.max(MIN_REQUEUE_MS, Math.min(resyncMs, renewalInMs(r.bundle, now))) };
  }

  /** The Secret's CA into every entry of the configuration; nothing while either does not exist. */
  async #configuration(resource: ResourceType, source: Informer<KubeObject>): Promise<void> {
    const { certs, sources, log } = this.#o;
    const name =
      resource === K8S.mutatingWebhookConfigurations
        ? this.#o.configurations.mutating
        : this.#o.configurations.validating;
    const configuration = source.get(name);
    const ca = decode(sources.secret.get(certs.secret.name, certs.secret.namespace))?.['ca.crt'];
    if (!configuration || !ca) return;
    const patched = await injectCaBundle(
      this.#o.client,
      resource,
      configuration,
      Buffer.from(ca).toString('base64'),
    );
    if (patched) log.info(LogMessage.caBundleInjected, { configuration: name });
  }
}

/** The controller of the webhook certificate: every change of one of its objects runs the keys it affects. */
export function webhookCertController(o: WebhookCertOptions, metrics?: ControllerMetrics): Controller {
  const keys = webhookCertKeys(o);
  return new Controller({
    kind: 'WebhookCertificate',
    reconciler: new WebhookCertReconciler(o),
    watches: [
      // A new CA must reach both configurations, so a Secret change runs all three keys.
      { source: o.sources.secret, keys: () => [keys.secret, keys.mutating, keys.validating] },
      { source: o.sources.mutating, keys: () => [keys.mutating] },
      { source: o.sources.validating, keys: () => [keys.validating] },
    ],
    startKeys: [keys.secret, keys.mutating, keys.validating],
    log: o.log,
    metrics,
  });
}

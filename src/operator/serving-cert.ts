// The certificate this replica serves, followed from the informer caches of the cert Secret and the webhook
// configurations. Every replica serves; only the leader writes the Secret (the webhook-cert reconciler).
import { X509Certificate } from 'node:crypto';
import { LogMessage, type Log } from '../common/log.ts';
import type { CertBundle } from '../reconcilers/webhook-cert/cert-plan.ts';
import { decode, type SecretRef } from '../reconcilers/webhook-cert/cert-secret.ts';
import type { ConfigurationNames, WebhookCertSources } from '../reconcilers/webhook-cert/reconciler.ts';
import { caBundleProblem, chooseServing, entryBundles } from '../reconcilers/webhook-cert/serving.ts';

export interface ServingCertOptions {
  sources: WebhookCertSources;
  secret: SecretRef;
  configurations: ConfigurationNames;
  log: Log;
  /** Called with each bundle chosen to be served (the first included). */
  onServe(bundle: CertBundle, notAfter: Date): void;
}

export class ServingCert {
  readonly #o: ServingCertOptions;
  readonly #unsubscribe: (() => void)[] = [];
  #served: CertBundle | undefined;
  #firstWaiters: (() => void)[] = [];

  constructor(o: ServingCertOptions) {
    this.#o = o;
  }

  /** The bundle served now. */
  get served(): CertBundle | undefined {
    return this.#served;
  }

  /** Follows the informers from now on (their current objects first). */
  start(): void {
    const update = (): void => this.#update();
    for (const source of [this.#o.sources.secret, this.#o.sources.mutating, this.#o.sources.validating])
      this.#unsubscribe.push(source.on({ added: update, updated: update, deleted: update }));
  }

  stop(): void {
    for (const u of this.#unsubscribe.splice(0)) u();
  }

  /** Resolves once there is a bundle to serve; rejects when `signal` aborts first. */
  first(signal?: AbortSignal): Promise<CertBundle> {
    return new Promise((resolve, reject) => {
      if (this.#served) return resolve(this.#served);
      if (signal?.aborted) return reject(new Error('stopped while waiting for a serving certificate'));
      const onAbort = (): void => reject(new Error('stopped while waiting for a serving certificate'));
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#firstWaiters.push(() => {
        signal?.removeEventListener('abort', onAbort);
        if (this.#served) resolve(this.#served);
      });
    });
  }

  /** Why the API server cannot call this replica yet: no certificate, or the CA bundle not in place. */
  notReadyReason(): string | undefined {
    const served = this.#served;
    if (!served) return 'no serving certificate yet';
    const problem = caBundleProblem(this.#configurations(), served['tls.crt']);
    return problem && `the CA bundle is not in the webhook configurations yet (${problem})`;
  }

  #configurations() {
    const { sources, configurations } = this.#o;
    return [
      { name: configurations.mutating, object: sources.mutating.get(configurations.mutating) },
      { name: configurations.validating, object: sources.validating.get(configurations.validating) },
    ];
  }

  #update(): void {
    const { sources, secret } = this.#o;
    const stored = decode(sources.secret.get(secret.name, secret.namespace));
    const entries = this.#configurations().flatMap((c) => (c.object ? entryBundles(c.object) : []));
    const next = chooseServing(this.#served, stored, entries);
    if (!next || next === this.#served) return;
    this.#served = next;
    const notAfter = new X509Certificate(next['tls.crt']).validToDate;
    this.#o.log.info(LogMessage.certLoaded, {
      secret: `${secret.namespace}/${secret.name}`,
      notAfter: notAfter.toISOString(),
    });
    this.#o.onServe(next, notAfter);
    for (const w of this.#firstWaiters.splice(0)) w();
  }
}

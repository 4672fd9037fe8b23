// What every replica decides about the webhook certificate from its informer caches, leader or not: which
// bundle to serve, whether the API server can already trust it, when the next renewal is due. Pure apart
// from parsing certificates.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { arr, at, str } from '../../common/json.ts';
import { splitPem, type CertBundle } from './cert-plan.ts';

/** The bundle if its serving certificate and key can be served (parse, match, and a CA is present). */
export function servable(b: Partial<CertBundle> | undefined): CertBundle | undefined {
  if (!b?.['tls.crt'] || !b['tls.key'] || !b['ca.crt'] || !b['ca.key']) return undefined;
  try {
    const cert = new X509Certificate(b['tls.crt']);
    return cert.checkPrivateKey(createPrivateKey(b['tls.key'])) ? (b as CertBundle) : undefined;
  } catch {
    return undefined;
  }
}

/** The PEM bundles in the caBundle of every webhook entry of `configuration` (base64-decoded). */
export function entryBundles(configuration: unknown): string[] {
  return arr(at(configuration, 'webhooks')).map((w) =>
    Buffer.from(str(at(w, 'clientConfig', 'caBundle')) ?? '', 'base64').toString('utf8'),
  );
}

/** Whether some CA of `bundle` (PEM) signed `certPem`. */
export function trusts(bundle: string, certPem: string): boolean {
  try {
    const cert = new X509Certificate(certPem);
    return splitPem(bundle).some((ca) => {
      try {
        return cert.verify(new X509Certificate(ca).publicKey);
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

/**
 * The bundle to serve. The stored one replaces the served one only once every webhook entry of the
 * configurations that exist trusts its certificate (`entries`: their CA bundles), so a certificate of a new
 * CA is never served before the API server can verify it; the first certificate is served at once (nothing
 * is served to protect), and so is any when no configuration exists.
 */
export function chooseServing(
  served: CertBundle | undefined,
  stored: Partial<CertBundle> | undefined,
  entries: readonly string[],
): CertBundle | undefined {
  const next = servable(stored);
  if (!next) return served;
  if (!served) return next;
  if (served['tls.crt'] === next['tls.crt'] && served['tls.key'] === next['tls.key']) return served;
  return entries.every((bundle) => trusts(bundle, next['tls.crt'])) ? next : served;
}

export interface ConfigurationState {
  name: string;
  /** The configuration as cached; undefined when it does not exist. */
  object: unknown;
}

/**
 * Why the API server cannot call the webhooks served with `certPem` yet: a configuration is missing, or an
 * entry's caBundle does not verify the certificate. Undefined when every entry of both trusts it.
 */
export function caBundleProblem(configs: readonly ConfigurationState[], certPem: string): string | undefined {
  const missing = configs.filter((c) => c.object === undefined).map((c) => c.name);
  if (missing.length > 0) return `webhook configuration ${missing.join(', ')} not found`;
  const untrusting = configs.filter((c) => entryBundles(c.object).some((bundle) => !trusts(bundle, certPem)));
  if (untrusting.length === 0) return undefined;
  return `webhook configuration ${untrusting.map((c) => c.name).join(', ')} does not trust the serving certificate`;
}

/**
 * Milliseconds until the CA or the serving certificate of `b` is due for renewal (0 when due now), by the
 * same rule as planCertificates: a third of the lifetime left.
 */
export function renewalInMs(b: CertBundle, now: Date): number {
  const due = (pem: string): number => {
    const cert = new X509Certificate(pem);
    const from = cert.validFromDate.getTime();
    const to = cert.validToDate.getTime();
    return to - (to - from) / 3;
  };
  const ca = splitPem(b['ca.crt'])[0];
  const times = [due(b['tls.crt']), ...(ca ? [due(ca)] : [])];
  return Math.max(0, Math.min(...times) - now.getTime());
}

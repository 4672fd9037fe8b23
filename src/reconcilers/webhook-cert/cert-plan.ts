// What to do with the certificates found in the Secret: keep them, issue a new serving certificate, or
// start over with a new CA. Pure: parsing and comparing only.
import { createPrivateKey, X509Certificate } from 'node:crypto';

/** The Secret's data, decoded: the keys of a kubernetes.io/tls Secret plus the CA. */
export interface CertBundle {
  /** The serving certificate (PEM). */
  'tls.crt': string;
  'tls.key': string;
  /** The CA bundle the API server trusts: the current CA first, then a previous one still valid. */
  'ca.crt': string;
  /** The current CA's key. */
  'ca.key': string;
}

export interface WantedNames {
  dnsNames: readonly string[];
  ipAddresses: readonly string[];
}

export type CertPlan =
  { action: 'keep' } | { action: 'renew-serving'; reason: string } | { action: 'renew-all'; reason: string };

/** Renewal is due once less than a third of a certificate's lifetime is left. */
export function renewalDue(cert: X509Certificate, now: Date): boolean {
  const from = cert.validFromDate.getTime();
  const to = cert.validToDate.getTime();
  return to - now.getTime() < (to - from) / 3;
}

/** The PEM certificates of a bundle, in order. */
export function splitPem(bundle: string): string[] {
  return bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
}

/**
 * Decides from what the Secret holds (undefined: no Secret or unusable data). Starts over when the CA is
 * missing, unreadable, not a CA, not matching its key, or due for renewal; issues a new serving certificate
 * when that is missing, unreadable, not signed by the current CA, not matching its key, due for renewal,
 * or not covering every wanted name.
 */
export function planCertificates(
  current: Partial<CertBundle> | undefined,
  want: WantedNames,
  now: Date,
): CertPlan {
  const caPem = splitPem(current?.['ca.crt'] ?? '')[0];
  let ca: X509Certificate;
  try {
    if (!caPem || !current?.['ca.key']) return { action: 'renew-all', reason: 'no CA' };
    ca = new X509Certificate(caPem);
    if (!ca.ca) return { action: 'renew-all', reason: 'the CA certificate is not a CA' };
    if (!ca.checkPrivateKey(createPrivateKey(current['ca.key']))) {
      return { action: 'renew-all', reason: 'the CA key does not match the CA certificate' };
    }
  } catch {
    return { action: 'renew-all', reason: 'the CA cannot be read' };
  }
  if (renewalDue(ca, now)) return { action: 'renew-all', reason: 'the CA is due for renewal' };
  let cert: X509Certificate;
  try {
    if (!current['tls.crt'] || !current['tls.key'])
      return { action: 'renew-serving', reason: 'no serving certificate' };
    cert = new X509Certificate(current['tls.crt']);
    if (!cert.verify(ca.publicKey))
      return { action: 'renew-serving', reason: 'not signed by the current CA' };
    if (!cert.checkPrivateKey(createPrivateKey(current['tls.key']))) {
      return { action: 'renew-serving', reason: 'the serving key does not match the certificate' };
    }
  } catch {
    return { action: 'renew-serving', reason: 'the serving certificate cannot be read' };
  }
  if (renewalDue(cert, now))
    return { action: 'renew-serving', reason: 'the serving certificate is due for renewal' };
  for (const dns of want.dnsNames) {
    if (cert.checkHost(dns, { subject: 'never', wildcards: false }) !== dns)
      return { action: 'renew-serving', reason: `it does not cover ${dns}` };
  }
  for (const ip of want.ipAddresses) {
    if (cert.checkIP(ip) !== ip) return { action: 'renew-serving', reason: `it does not cover ${ip}` };
  }
  return { action: 'keep' };
}

/**
 * The CA bundle after a CA renewal: the new CA, then every earlier CA still valid at `now`, so that a
 * serving certificate of the old CA (still served by another replica) keeps verifying until it is replaced.
 */
export function rotatedCaBundle(newCaPem: string, previousBundle: string | undefined, now: Date): string {
  const keep = splitPem(previousBundle ?? '').filter((pem) => {
    try {
      return new X509Certificate(pem).validToDate.getTime() > now.getTime();
    } catch {
      return false;
    }
  });
  return [...splitPem(newCaPem), ...keep.slice(0, 1)].join('\n') + '\n';
}

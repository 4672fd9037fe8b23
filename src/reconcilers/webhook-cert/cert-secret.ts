// The serving certificate's home: a Secret that every replica reads and the leader renews. Reconciled by
// level: read → plan (pure) → issue and write only when the plan says so.
import type { V1Secret } from '@kubernetes/client-node';
import { K8S } from '../../api/resource-type.ts';
import { isConflict, statusCode } from '../../kube/errors.ts';
import type { KubeClient, KubeObject } from '../../kube/types.ts';
import {
  planCertificates,
  rotatedCaBundle,
  splitPem,
  type CertBundle,
  type CertPlan,
  type WantedNames,
} from './cert-plan.ts';

export interface SecretRef {
  namespace: string;
  name: string;
}

export interface CertSettings {
  secret: SecretRef;
  names: WantedNames;
  caValidityMs: number;
  servingValidityMs: number;
}

export interface CertSyncResult {
  bundle: CertBundle;
  plan: CertPlan;
  /** True when this call wrote the Secret. */
  wrote: boolean;
}

const KEYS = ['tls.crt', 'tls.key', 'ca.crt', 'ca.key'] as const;

/** The bundle a Secret holds, decoded; undefined without data. */
export function decode(secret: V1Secret | undefined): Partial<CertBundle> | undefined {
  const data = secret?.data;
  if (!data) return undefined;
  const out: Partial<CertBundle> = {};
  for (const k of KEYS) if (data[k]) out[k] = Buffer.from(data[k], 'base64').toString('utf8');
  return out;
}

function encode(b: CertBundle): Record<string, string> {
  return Object.fromEntries(KEYS.map((k) => [k, Buffer.from(b[k]).toString('base64')]));
}

/** The bundle the plan asks for, issued from `current` (pure apart from key generation). */
export async function renewBundle(
  current: Partial<CertBundle> | undefined,
  plan: CertPlan,
  s: CertSettings,
  now: Date,
): Promise<CertBundle> {
  if (plan.action === 'keep') return current as CertBundle;
  let caCrt = current?.['ca.crt'] ?? '';
  let caKey = current?.['ca.key'] ?? '';
  // The X.509 library is loaded only when a certificate is issued: most processes never issue one.
  const { issueCa, issueServing } = await import('./cert-issue.ts');
  if (plan.action === 'renew-all') {
    const ca = await issueCa(now, s.caValidityMs);
    caCrt = rotatedCaBundle(ca.certPem, current?.['ca.crt'], now);
    caKey = ca.keyPem;
  }
  const caPem = splitPem(caCrt)[0] ?? '';
  const serving = await issueServing({ certPem: caPem, keyPem: caKey }, s.names, now, s.servingValidityMs);
  return { 'tls.crt': serving.certPem, 'tls.key': serving.keyPem, 'ca.crt': caCrt, 'ca.key': caKey };
}

/**
 * Brings the Secret to a usable state from `secret` (as read, e.g. from the informer cache) and returns what
 * it holds, writing at most once. The write is conditional on the resourceVersion read; when another
 * replica wrote in between (409), or the cache was behind, the Secret is read again and used if it needs
 * nothing, else the conflict is thrown so the caller retries from a fresh read.
 */
export async function syncCertSecret(
  client: KubeClient,
  s: CertSettings,
  secret: V1Secret | undefined,
  now: Date,
): Promise<CertSyncResult> {
  const current = decode(secret);
  const plan = planCertificates(current, s.names, now);
  if (plan.action === 'keep') return { bundle: current as CertBundle, plan, wrote: false };
  const bundle = await renewBundle(current, plan, s, now);
  const body: V1Secret & KubeObject = {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/tls',
    metadata: {
      name: s.secret.name,
      namespace: s.secret.namespace,
      labels: { 'app.kubernetes.io/name': 'cairn', 'app.kubernetes.io/component': 'webhook' },
      ...(secret?.metadata?.resourceVersion ? { resourceVersion: secret.metadata.resourceVersion } : {}),
    },
    data: encode(bundle),
  };
  try {
    if (secret) await client.replace(K8S.secrets, body, { namespace: s.secret.namespace });
    else await client.create(K8S.secrets, body, { namespace: s.secret.namespace });
    return { bundle, plan, wrote: true };
  } catch (err) {
    // Another replica won the race (or a type change needs a delete): use what is stored now.
    if (!isConflict(err) && statusCode(err) !== 422) throw err;
    const theirs = decode(await client.find<V1Secret>(K8S.secrets, s.secret.name, s.secret.namespace));
    const again = planCertificates(theirs, s.names, now);
    if (again.action !== 'keep') throw err;
    return { bundle: theirs as CertBundle, plan: again, wrote: false };
  }
}

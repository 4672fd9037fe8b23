// The serving certificate's home: a Secret that every replica reads and one of them renews. Reconciled by
// level on every tick: read → plan (pure) → issue and write only when the plan says so.
import { CoreV1Api, type KubeConfig, type V1Secret } from '@kubernetes/client-node';
import { isConflict, isNotFound, statusCode } from '../kube/errors.ts';
import { issueCa, issueServing } from './cert-issue.ts';
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

function decode(secret: V1Secret | undefined): Partial<CertBundle> | undefined {
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
 * Brings the Secret to a usable state and returns what it holds. A Secret written by another replica in
 * between (409) is read again and used as is; it is planned again on the next tick.
 */
export async function syncCertSecret(kc: KubeConfig, s: CertSettings, now: Date): Promise<CertSyncResult> {
  const core = kc.makeApiClient(CoreV1Api);
  const read = async (): Promise<V1Secret | undefined> => {
    try {
      return await core.readNamespacedSecret(s.secret);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  };
  const secret = await read();
  const current = decode(secret);
  const plan = planCertificates(current, s.names, now);
  if (plan.action === 'keep') return { bundle: current as CertBundle, plan, wrote: false };
  const bundle = await renewBundle(current, plan, s, now);
  const body: V1Secret = {
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
    if (secret) await core.replaceNamespacedSecret({ ...s.secret, body });
    else await core.createNamespacedSecret({ namespace: s.secret.namespace, body });
    return { bundle, plan, wrote: true };
  } catch (err) {
    // Another replica won the race (or a type change needs a delete): use what is stored now.
    if (!isConflict(err) && statusCode(err) !== 422) throw err;
    const theirs = decode(await read());
    const again = planCertificates(theirs, s.names, now);
    if (again.action !== 'keep') throw err;
    return { bundle: theirs as CertBundle, plan: again, wrote: false };
  }
}

// Keeps caBundle of every webhook entry of Cairn's two webhook configurations equal to the Secret's CA.
import { AdmissionregistrationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { caBundlePatch } from '../webhooks/configurations.ts';

export interface ConfigurationNames {
  mutating: string;
  validating: string;
}

export interface InjectionResult {
  /** Configurations that were patched now. */
  patched: string[];
  /** Configurations that do not exist (nothing to inject into yet). */
  missing: string[];
}

/**
 * Reads both configurations and JSON-patches the entries whose caBundle differs. A missing configuration
 * is reported, not created: in a cluster deploy/ installs them, in the dev cluster `cairn up` does.
 */
export async function injectCaBundle(
  kc: KubeConfig,
  names: ConfigurationNames,
  caBundle: string,
): Promise<InjectionResult> {
  const api = kc.makeApiClient(AdmissionregistrationV1Api);
  const result: InjectionResult = { patched: [], missing: [] };
  const one = async (
    name: string,
    read: () => Promise<unknown>,
    patch: (body: object) => Promise<unknown>,
  ): Promise<void> => {
    let current: unknown;
    try {
      current = await read();
    } catch (err) {
      if ((err as { code?: number }).code === 404) {
        result.missing.push(name);
        return;
      }
      throw err;
    }
    const ops = caBundlePatch(current, caBundle);
    if (ops.length === 0) return;
    await patch(ops);
    result.patched.push(name);
  };
  await one(
    names.mutating,
    () => api.readMutatingWebhookConfiguration({ name: names.mutating }),
    (body) =>
      api.patchMutatingWebhookConfiguration({ name: names.mutating, body, fieldManager: 'cairn-operator' }),
  );
  await one(
    names.validating,
    () => api.readValidatingWebhookConfiguration({ name: names.validating }),
    (body) =>
      api.patchValidatingWebhookConfiguration({
        name: names.validating,
        body,
        fieldManager: 'cairn-operator',
      }),
  );
  return result;
}

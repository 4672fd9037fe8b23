// Keeps caBundle of every webhook entry of one of Cairn's webhook configurations equal to the Secret's CA.
import type { ResourceType } from '../../api/resource-type.ts';
import { statusCode } from '../../kube/errors.ts';
import type { KubeClient, KubeObject } from '../../kube/types.ts';
import { caBundlePatch } from '../../webhooks/configurations.ts';

/** The field manager of Cairn's writes to the webhook configurations. */
export const FIELD_MANAGER = 'cairn-operator';

/**
 * JSON-patches the entries of `current` (as read, e.g. from the informer cache) whose caBundle differs from
 * `caBundle` (base64 PEM); true when it patched. Each change is guarded by a test of the entry's name, so a
 * configuration that changed since it was read is refused (422) instead of patched in the wrong place; that
 * refusal is thrown as a plain error, to be retried from a fresh read.
 */
export async function injectCaBundle(
  client: KubeClient,
  resource: ResourceType,
  current: KubeObject,
  caBundle: string,
): Promise<boolean> {
  const ops = caBundlePatch(current, caBundle);
  if (ops.length === 0) return false;
  const name = current.metadata?.name ?? '';
  try {
    await client.patch(resource, name, ops, { type: 'json', fieldManager: FIELD_MANAGER });
  } catch (err) {
    if (statusCode(err) === 422)
      throw new Error(`${resource.kind} ${name} changed while it was patched`, { cause: err });
    throw err;
  }
  return true;
}

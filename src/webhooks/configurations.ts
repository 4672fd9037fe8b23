// The MutatingWebhookConfiguration and ValidatingWebhookConfiguration that send Cairn's Kinds to the
// operator, built as data: deploy/webhooks/ holds them for a Service, the dev cluster installs them for a URL.
import type { JsonPatchOp } from './decision.ts';
import { arr, at, str } from '../common/json.ts';
import { ROUTES, type WebhookRoute } from './routes.ts';

export const MUTATING_CONFIGURATION = 'cairn-defaulting';
export const VALIDATING_CONFIGURATION = 'cairn-validation';

/** Where the API server reaches the webhooks: a base URL (dev cluster), or a Service (in a cluster). */
export type WebhookTarget = { url: string } | { service: { namespace: string; name: string; port: number } };

export interface WebhookConfiguration {
  apiVersion: 'admissionregistration.k8s.io/v1';
  kind: 'MutatingWebhookConfiguration' | 'ValidatingWebhookConfiguration';
  metadata: { name: string; labels: Record<string, string> };
  webhooks: Record<string, unknown>[];
}

const LABELS = { 'app.kubernetes.io/name': 'cairn', 'app.kubernetes.io/component': 'webhook' };

function entry(
  route: WebhookRoute,
  target: WebhookTarget,
  caBundle: string | undefined,
): Record<string, unknown> {
  const clientConfig: Record<string, unknown> =
    'url' in target
      ? { url: target.url.replace(/\/+$/, '') + route.path }
      : { service: { ...target.service, path: route.path } };
  if (caBundle) clientConfig.caBundle = caBundle;
  const r = route.resource;
  return {
    name: route.name,
    admissionReviewVersions: ['v1'],
    sideEffects: 'None',
    // Validation must not be skipped when the operator is down; defaults carry meaning too.
    failurePolicy: 'Fail',
    matchPolicy: 'Equivalent',
    timeoutSeconds: 10,
    clientConfig,
    rules: [
      {
        apiGroups: [r.group],
        apiVersions: [r.version],
        operations: ['CREATE', 'UPDATE'],
        resources: [r.plural],
        scope: 'Namespaced',
      },
    ],
    ...(route.mutating ? { reinvocationPolicy: 'Never' } : {}),
  };
}

/** Both configurations for `target`; `caBundle` (base64 PEM) is added to every entry when given. */
export function webhookConfigurations(
  target: WebhookTarget,
  caBundle?: string,
  routes: readonly WebhookRoute[] = ROUTES,
): WebhookConfiguration[] {
  return [
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingWebhookConfiguration',
      metadata: { name: MUTATING_CONFIGURATION, labels: LABELS },
      webhooks: routes.filter((r) => r.mutating).map((r) => entry(r, target, caBundle)),
    },
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: VALIDATING_CONFIGURATION, labels: LABELS },
      webhooks: routes.filter((r) => !r.mutating).map((r) => entry(r, target, caBundle)),
    },
  ];
}

/**
 * The JSON patch that sets `caBundle` on every webhook entry of a stored configuration whose bundle
 * differs; empty when all match. Each change is guarded by a `test` of the entry's name, so a list that
 * changed since it was read makes the patch fail instead of touching the wrong entry.
 */
export function caBundlePatch(configuration: unknown, caBundle: string): JsonPatchOp[] {
  const ops: JsonPatchOp[] = [];
  arr(at(configuration, 'webhooks')).forEach((w, i) => {
    if (str(at(w, 'clientConfig', 'caBundle')) === caBundle) return;
    ops.push({ op: 'test', path: `/webhooks/${i}/name`, value: str(at(w, 'name')) ?? '' });
    ops.push({ op: 'add', path: `/webhooks/${i}/clientConfig/caBundle`, value: caBundle });
  });
  return ops;
}

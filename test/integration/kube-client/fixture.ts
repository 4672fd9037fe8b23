// What the kube-client tests share: the ConfigMap shape they write and the KubeApiError a refused call
// must reject with.
import assert from 'node:assert/strict';
import { KubeApiError } from '../../../src/kube/errors.ts';
import type { KubeObject } from '../../../src/kube/types.ts';

export type ConfigMap = KubeObject & { data?: Record<string, string> };

/** The KubeApiError `p` rejects with; fails the test when it resolves or rejects with anything else. */
export async function rejection(p: Promise<unknown>): Promise<KubeApiError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof KubeApiError, `expected a KubeApiError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the call to fail');
}

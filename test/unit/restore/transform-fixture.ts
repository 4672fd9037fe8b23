// Resource types, a deep freeze and a path reader shared by the transform tests.
import type { ResourceType } from '../../../src/api/resource-type.ts';

export const core = (plural: string, kind: string, namespaced = true): ResourceType => ({
  group: '',
  version: 'v1',
  plural,
  kind,
  namespaced,
});
export const PVC = core('persistentvolumeclaims', 'PersistentVolumeClaim');
export const PV = core('persistentvolumes', 'PersistentVolume', false);
export const RS: ResourceType = {
  group: 'apps',
  version: 'v1',
  plural: 'replicasets',
  kind: 'ReplicaSet',
  namespaced: true,
};
export const STS: ResourceType = {
  group: 'apps',
  version: 'v1',
  plural: 'statefulsets',
  kind: 'StatefulSet',
  namespaced: true,
};

/** `o` frozen all the way down, so that a test fails if the transform writes into its input. */
export const deepFreeze = <T>(o: T): T => {
  if (typeof o === 'object' && o !== null) {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
};

/** The value at `keys` under `v`, or undefined where the path ends early. */
export function at(v: unknown, ...keys: string[]): unknown {
  let cur = v;
  for (const k of keys) cur = (cur as Record<string, unknown> | undefined)?.[k];
  return cur;
}

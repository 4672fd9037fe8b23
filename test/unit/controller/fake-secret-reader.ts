// A SecretReader for unit tests: the test puts whole Secrets into `metadata` (a FakeInformer), and `read`
// returns them as they are there.
import { K8S } from '../../../src/api/resource-type.ts';
import type { SecretReader } from '../../../src/controller/secret-reader.ts';
import type { KubeObject } from '../../../src/kube/types.ts';
import { FakeInformer } from './fake-informer.ts';

export function fakeSecretReader<T extends KubeObject = KubeObject>(
  metadata: FakeInformer<T> = new FakeInformer<T>(K8S.secrets),
): SecretReader<T> & { metadata: FakeInformer<T> } {
  return { metadata, read: (name, namespace) => Promise.resolve(metadata.get(name, namespace)) };
}

// References from one object to another.
import type { Static } from '@sinclair/typebox';
import { Bool, MAX_OBJECT_NAME, Name, Obj, Opt, Str } from '../schema/builders.ts';

/**
 * A namespaced object by name. An empty namespace means the namespace of the object holding the reference.
 */
export function ObjectReference(description: string) {
  return Obj(
    {
      name: Name('Name of the referenced object.', { required: true }),
      namespace: Opt(
        Name('Namespace of the referenced object. Empty means the namespace of the referring object.', {
          maxLength: 63,
        }),
      ),
    },
    description,
  );
}
export type ObjectReference = Static<ReturnType<typeof ObjectReference>>;

/** An object of any Kind, by API group, kind, namespace and name. */
export function TypedObjectReference(description: string) {
  return Obj(
    {
      apiGroup: Opt(
        Str('API group of the referenced object; empty for the core group (Namespace, ConfigMap...).'),
      ),
      kind: Opt(Str('Kind of the referenced object, for example Deployment or Namespace.')),
      namespace: Opt(
        Name('Namespace of the referenced object. Empty means the namespace of the referring object.', {
          maxLength: 63,
        }),
      ),
      name: Name('Name of the referenced object.', { required: true }),
    },
    description,
  );
}
export type TypedObjectReference = Static<ReturnType<typeof TypedObjectReference>>;

/** An object in the same namespace, by API group, kind and name. */
export function TypedLocalObjectReference(description: string) {
  return Obj(
    {
      apiGroup: Opt(Str('API group of the referenced object; empty for the core group.')),
      kind: Str('Kind of the referenced object.', { minLength: 1 }),
      name: Name('Name of the referenced object.', { required: true }),
    },
    description,
    { mapType: 'atomic' },
  );
}
export type TypedLocalObjectReference = Static<ReturnType<typeof TypedLocalObjectReference>>;

/** An object in the same namespace, by name only (a Secret, a ConfigMap, a PodPlacementPolicy...). */
export function LocalObjectReference(description: string) {
  return Obj(
    { name: Opt(Str('Name of the referenced object.', { maxLength: MAX_OBJECT_NAME })) },
    description,
    { mapType: 'atomic' },
  );
}
export type LocalObjectReference = Static<ReturnType<typeof LocalObjectReference>>;

/** The owner of an object, as in metadata.ownerReferences. */
export function OwnerReferenceSchema(description: string) {
  return Obj(
    {
      apiVersion: Str('API version of the owner.'),
      kind: Str('Kind of the owner.'),
      name: Str('Name of the owner.'),
      uid: Str('UID of the owner.'),
      controller: Opt(Bool('Whether the owner is the managing controller.')),
      blockOwnerDeletion: Opt(Bool('Whether the owner cannot be deleted before this object is.')),
    },
    description,
    { mapType: 'atomic' },
  );
}
export type OwnerReference = Static<ReturnType<typeof OwnerReferenceSchema>>;

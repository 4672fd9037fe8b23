// The part of the Reflect metadata API that @peculiar/x509's dependency injection (tsyringe) requires at
// import time. Installed only when no polyfill is present; import this module before @peculiar/x509.

type Key = unknown;
const store = new WeakMap<object, Map<Key, unknown>>();

function own(target: object, create: boolean): Map<Key, unknown> | undefined {
  let m = store.get(target);
  if (!m && create) store.set(target, (m = new Map()));
  return m;
}

function getMetadata(key: Key, target: object): unknown {
  for (let t: object | null = target; t; t = Object.getPrototypeOf(t) as object | null) {
    const m = own(t, false);
    if (m?.has(key)) return m.get(key);
  }
  return undefined;
}

const api = {
  defineMetadata: (key: Key, value: unknown, target: object): void => void own(target, true)?.set(key, value),
  getOwnMetadata: (key: Key, target: object): unknown => own(target, false)?.get(key),
  hasOwnMetadata: (key: Key, target: object): boolean => own(target, false)?.has(key) ?? false,
  getMetadata,
  hasMetadata: (key: Key, target: object): boolean => getMetadata(key, target) !== undefined,
  metadata:
    (key: Key, value: unknown) =>
    (target: object): void =>
      void own(target, true)?.set(key, value),
};

const reflect = Reflect as unknown as Record<string, unknown>;
if (typeof reflect.getMetadata !== 'function') {
  for (const [name, fn] of Object.entries(api)) {
    Object.defineProperty(Reflect, name, { value: fn, configurable: true, writable: true });
  }
}

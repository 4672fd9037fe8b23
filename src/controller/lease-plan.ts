// What one leader-election attempt does with the Lease it read: create it, renew it, acquire a free one,
// take over an expired one, or wait. Pure. Expiry is judged on this process's own clock, from the moment it
// saw the lease record change — never by comparing another machine's renewTime with ours, so clock skew
// between replicas cannot hand the lease to two of them.
import type { KubeObject } from '../kube/types.ts';

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface Lease extends KubeObject {
  spec?: LeaseSpec;
}

/** The last lease record seen and when (in this process's monotonic milliseconds) it was first seen. */
export interface Observed {
  record: string;
  atMs: number;
}

export type LeaseStep =
  | { action: 'create'; spec: LeaseSpec }
  | { action: 'update'; spec: LeaseSpec; why: 'renew' | 'acquire' | 'take-over' }
  | { action: 'wait'; holder: string; expiresInMs: number };

/** A Kubernetes MicroTime: RFC 3339 with exactly six fractional digits, as the API server parses it. */
export function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

const recordOf = (s: LeaseSpec | undefined): string =>
  JSON.stringify([s?.holderIdentity ?? '', s?.renewTime ?? '', s?.leaseTransitions ?? 0]);

/** The observation after reading `lease` at `nowMs`: kept when the record is unchanged, else restarted. */
export function observe(lease: Lease | undefined, prev: Observed | undefined, nowMs: number): Observed {
  const record = recordOf(lease?.spec);
  return prev?.record === record ? prev : { record, atMs: nowMs };
}

/**
 * The next step for `identity`. `observed` must come from `observe` of the same read; `now` is written into
 * the lease, `nowMs` is the monotonic clock the observation uses.
 */
export function planLease(
  lease: Lease | undefined,
  observed: Observed,
  identity: string,
  leaseDurationMs: number,
  now: Date,
  nowMs: number,
): LeaseStep {
  const seconds = Math.max(1, Math.ceil(leaseDurationMs / 1000));
  const stamp = microTime(now);
  const mine = (transitions: number): LeaseSpec => ({
    holderIdentity: identity,
    leaseDurationSeconds: seconds,
    acquireTime: stamp,
    renewTime: stamp,
    leaseTransitions: transitions,
  });
  if (!lease) return { action: 'create', spec: mine(0) };
  const spec = lease.spec ?? {};
  const holder = spec.holderIdentity ?? '';
  const transitions = spec.leaseTransitions ?? 0;
  if (holder === identity) {
    return {
      action: 'update',
      why: 'renew',
      spec: {
        ...spec,
        leaseDurationSeconds: seconds,
        renewTime: stamp,
        acquireTime: spec.acquireTime ?? stamp,
      },
    };
  }
  if (holder === '') return { action: 'update', why: 'acquire', spec: mine(transitions + 1) };
  const durationMs = (spec.leaseDurationSeconds ?? seconds) * 1000;
  const expiresInMs = observed.atMs + durationMs - nowMs;
  if (expiresInMs <= 0) return { action: 'update', why: 'take-over', spec: mine(transitions + 1) };
  return { action: 'wait', holder, expiresInMs };
}

/** The record a leader leaves behind when it steps down: no holder, so the next candidate need not wait. */
export function releasedSpec(spec: LeaseSpec | undefined, now: Date): LeaseSpec {
  return { ...spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(now) };
}

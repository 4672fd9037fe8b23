// The controller runtime's metrics, registered on the operator's registry (served on /metrics): reconciles
// and errors per Kind, reconcile duration, work-queue depth, and whether this replica leads.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ReconcileErrorClass } from './reconciler.ts';

export type ReconcileOutcome = 'success' | 'error';

export interface ControllerMetrics {
  /** One reconcile of `kind` finished after `seconds`. */
  reconciled(kind: string, outcome: ReconcileOutcome, seconds: number): void;
  /** One reconcile of `kind` failed with an error of `errorClass`. */
  failed(kind: string, errorClass: ReconcileErrorClass): void;
  /** Reports the queue depth of `kind` at each scrape from `depth`; returns the function that stops it. */
  trackDepth(kind: string, depth: () => number): () => void;
  /** Whether this replica holds the lease now. */
  leading(isLeader: boolean): void;
}

export function controllerMetrics(registry: Registry): ControllerMetrics {
  const reconciles = new Counter({
    name: 'cairn_reconcile_total',
    help: 'Reconciles finished, by Kind and outcome (success, error).',
    labelNames: ['kind', 'outcome'] as const,
    registers: [registry],
  });
  const errors = new Counter({
    name: 'cairn_reconcile_errors_total',
    help: 'Reconciles that failed, by Kind and error class (retryable, terminal).',
    labelNames: ['kind', 'class'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'cairn_reconcile_duration_seconds',
    help: 'Time one reconcile took, by Kind.',
    labelNames: ['kind'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const depths = new Map<string, () => number>();
  new Gauge({
    name: 'cairn_workqueue_depth',
    help: 'Keys waiting to be reconciled, by Kind.',
    labelNames: ['kind'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [kind, depth] of depths) this.set({ kind }, depth());
    },
  });
  const leader = new Gauge({
    name: 'cairn_leader',
    help: '1 while this replica holds the leader lease and runs the reconcilers, else 0.',
    registers: [registry],
  });
  leader.set(0);
  return {
    reconciled(kind, outcome, seconds) {
      reconciles.inc({ kind, outcome });
      duration.observe({ kind }, seconds);
    },
    failed(kind, errorClass) {
      errors.inc({ kind, class: errorClass });
    },
    trackDepth(kind, depth) {
      depths.set(kind, depth);
      return () => {
        if (depths.get(kind) === depth) depths.delete(kind);
      };
    },
    leading(isLeader) {
      leader.set(isLeader ? 1 : 0);
    },
  };
}

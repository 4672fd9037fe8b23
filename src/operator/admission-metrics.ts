// The admission webhooks' metrics, on the operator's registry.
import { Counter, Histogram, type Registry } from 'prom-client';

export interface AdmissionMetrics {
  reviews: Counter<'webhook' | 'allowed'>;
  duration: Histogram<'webhook'>;
}

export function admissionMetrics(registry: Registry): AdmissionMetrics {
  return {
    reviews: new Counter({
      name: 'cairn_admission_reviews_total',
      help: 'Admission reviews answered, by webhook and outcome (true, false, error).',
      labelNames: ['webhook', 'allowed'] as const,
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'cairn_admission_review_duration_seconds',
      help: 'Time to answer an admission review, including reads of other objects.',
      labelNames: ['webhook'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
  };
}

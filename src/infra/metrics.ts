/** Prometheus metrics (prom-client), one registry per gateway instance so tests stay isolated. */
import { Counter, Histogram, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

export function createMetrics(opts: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (opts.defaultMetrics) collectDefaultMetrics({ register: registry });
  return {
    registry,
    paymentsCreated: new Counter({ name: 'paygate_payments_created_total', help: 'Payments created', labelNames: ['provider', 'method'] as const, registers: [registry] }),
    paymentTransitions: new Counter({ name: 'paygate_payment_transitions_total', help: 'Payment status changes', labelNames: ['provider', 'status'] as const, registers: [registry] }),
    providerCalls: new Histogram({
      name: 'paygate_provider_call_seconds', help: 'Provider call latency', labelNames: ['provider', 'operation', 'outcome'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [registry],
    }),
    notifications: new Counter({ name: 'paygate_notifications_total', help: 'Provider notifications by verdict', labelNames: ['provider', 'verdict'] as const, registers: [registry] }),
    webhookAttempts: new Counter({ name: 'paygate_webhook_delivery_attempts_total', help: 'Merchant webhook delivery attempts', labelNames: ['outcome'] as const, registers: [registry] }),
    jobRuns: new Counter({ name: 'paygate_job_runs_total', help: 'Jobs run', labelNames: ['kind', 'outcome'] as const, registers: [registry] }),
    jobQueueDepth: new Gauge({ name: 'paygate_job_queue_depth', help: 'Jobs due now, sampled by the worker', registers: [registry] }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

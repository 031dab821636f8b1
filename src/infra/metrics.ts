/** Prometheus metrics (prom-client), one registry per gateway instance so tests stay isolated. */
import { Counter, Histogram, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

export interface MetricsOptions {
  defaultMetrics?: boolean;
  /**
   * run_at of the oldest job that is due (ms), or null when none is. Read on scrape rather
   * than sampled on a timer, so an idle gateway costs nothing and a scrape is never stale.
   */
  oldestDueJobRunAt?: () => Promise<number | null>;
  /** Dead-letter jobs per kind, read on scrape (an index count; dead jobs are few). */
  deadJobsByKind?: () => Promise<Record<string, number>>;
}

export function createMetrics(opts: MetricsOptions = {}) {
  const registry = new Registry();
  if (opts.defaultMetrics) collectDefaultMetrics({ register: registry });
  const oldestDue = opts.oldestDueJobRunAt;
  const deadByKind = opts.deadJobsByKind;
  return {
    registry,
    paymentsCreated: new Counter({ name: 'paygate_payments_created_total', help: 'Payments created', labelNames: ['provider', 'method'] as const, registers: [registry] }),
    /** status=succeeded / failed gives payments succeeded and failed by provider and method. */
    paymentTransitions: new Counter({ name: 'paygate_payment_transitions_total', help: 'Payment status changes', labelNames: ['provider', 'method', 'status'] as const, registers: [registry] }),
    providerCalls: new Histogram({
      name: 'paygate_provider_call_seconds', help: 'Provider call latency, per attempt that went to the network', labelNames: ['provider', 'operation', 'outcome'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [registry],
    }),
    providerErrors: new Counter({
      name: 'paygate_provider_call_errors_total', help: 'Failed provider calls by error code (attempts that failed, and calls refused by the breaker or bulkhead)',
      labelNames: ['provider', 'operation', 'code'] as const, registers: [registry],
    }),
    breakerState: new Gauge({
      name: 'paygate_provider_breaker_state', help: 'Circuit breaker state per provider account on this node: 0 closed, 1 open, 2 half-open, 3 isolated',
      labelNames: ['provider', 'provider_account_id'] as const, registers: [registry],
    }),
    breakerTransitions: new Counter({
      name: 'paygate_provider_breaker_transitions_total', help: 'Circuit breaker state changes per provider account on this node',
      labelNames: ['provider', 'provider_account_id', 'to'] as const, registers: [registry],
    }),
    notifications: new Counter({ name: 'paygate_notifications_total', help: 'Provider notifications by verdict', labelNames: ['provider', 'verdict'] as const, registers: [registry] }),
    /** Labels come from fixed lists (provider: the five or "unknown"), never from the request path. */
    notificationsUnstored: new Counter({
      name: 'paygate_notifications_unstored_total', help: 'Provider notifications answered but not stored: reason unknown_account (no such account of that provider) or unverified_budget (forged/unverified ones past the per-account budget)',
      labelNames: ['provider', 'reason'] as const, registers: [registry],
    }),
    routingFallbacks: new Counter({ name: 'paygate_routing_fallbacks_total', help: 'Provider accounts passed over while routing a create: outcome skipped (not called: CIRCUIT_OPEN, DAILY_LIMIT, ACCOUNT_UNAVAILABLE) or failed (called and refused, or provably not reached; reason is the failure code), or unanswered (called, no answer: the attempt is held for a repeat with the same provider key and routing stops)', labelNames: ['provider', 'outcome', 'reason'] as const, registers: [registry] }),
    webhookAttempts: new Counter({ name: 'paygate_webhook_delivery_attempts_total', help: 'Merchant webhook delivery attempts', labelNames: ['outcome'] as const, registers: [registry] }),
    webhookLag: new Histogram({
      name: 'paygate_webhook_delivery_lag_seconds', help: 'From event creation to its successful delivery to an endpoint',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 7200, 86_400], registers: [registry],
    }),
    jobRuns: new Counter({ name: 'paygate_job_runs_total', help: 'Jobs run', labelNames: ['kind', 'outcome'] as const, registers: [registry] }),
    jobQueueDepth: new Gauge({ name: 'paygate_job_queue_depth', help: 'Jobs due now, read when /metrics is scraped', registers: [registry] }),
    oldestDueJobAge: new Gauge({
      name: 'paygate_job_oldest_due_age_seconds', help: 'How long the oldest due job has been waiting (0 when none is due, -1 when the database did not answer)',
      registers: [registry],
      ...(oldestDue ? {
        async collect(this: Gauge) {
          const runAt = await oldestDue().catch(() => undefined);
          this.set(runAt === undefined ? -1 : runAt === null ? 0 : Math.max(0, (Date.now() - runAt) / 1000));
        },
      } : {}),
    }),
    jobsDead: new Counter({ name: 'paygate_jobs_dead_total', help: 'Jobs that gave up on this node (their bounded schedule spent, or nothing left to try) and were kept as dead letters', labelNames: ['kind'] as const, registers: [registry] }),
    jobDeadLetters: new Gauge({
      name: 'paygate_job_dead_letters', help: 'Dead-letter jobs in the database by kind, read when /metrics is scraped (GET /admin/jobs?state=dead lists them); unchanged when the database did not answer',
      labelNames: ['kind'] as const, registers: [registry],
      ...(deadByKind ? {
        async collect(this: Gauge<'kind'>) {
          const counts = await deadByKind().catch(() => undefined);
          if (counts) for (const [kind, n] of Object.entries(counts)) this.set({ kind }, n);
        },
      } : {}),
    }),
    reconRows: new Counter({ name: 'paygate_reconciliation_rows_total', help: 'Bill rows read by reconciliation runs', labelNames: ['provider'] as const, registers: [registry] }),
    reconDifferences: new Counter({ name: 'paygate_reconciliation_differences_total', help: 'Differences committed by reconciliation runs, by class (docs/reconciliation.md)', labelNames: ['provider', 'class'] as const, registers: [registry] }),
    reconRuns: new Histogram({
      name: 'paygate_reconciliation_run_seconds', help: 'Reconciliation run duration by outcome (clean, differences, failed)', labelNames: ['provider', 'outcome'] as const,
      buckets: [0.1, 0.5, 1, 5, 10, 30, 60, 300, 900], registers: [registry],
    }),
    riskDecisions: new Counter({ name: 'paygate_risk_decisions_total', help: 'Risk decisions on new payments by action (allow, review, block)', labelNames: ['action'] as const, registers: [registry] }),
    /** Rule names are the merchants' own (≤ 64 characters, a few per merchant); mode shadow counts what a shadow rule would have done. */
    riskRulesFired: new Counter({ name: 'paygate_risk_rules_fired_total', help: 'Risk rules that fired, by rule name, mode and action', labelNames: ['rule', 'mode', 'action'] as const, registers: [registry] }),
    riskDecisionSeconds: new Histogram({
      name: 'paygate_risk_decision_seconds', help: 'Time to decide one payment: gathering velocity, limits, graph and profile facts, then the rules',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1], registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

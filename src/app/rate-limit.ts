/**
 * Who may send how much. Each API key has a budget of `rate_limit` requests per second,
 * shared by three priority classes (header Paygate-Priority): low may use the window's
 * budget up to 50 %, normal up to 80 %, high all of it. A flood of low-priority traffic
 * (batch jobs, reports) therefore always leaves room for checkouts. The same shares decide
 * which requests an overloaded node sheds first.
 */
import { Counter, type Registry } from 'prom-client';
import { PaygateError } from '../domain/errors.js';
import type { AppContext } from './context.js';

export const PRIORITIES = ['high', 'normal', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** Share of a budget (a key's rate_limit, a node's PAYGATE_MAX_INFLIGHT) each class may fill. */
export const PRIORITY_SHARE: Readonly<Record<Priority, number>> = { low: 0.5, normal: 0.8, high: 1 };

/** High must be granted by the admin: otherwise every client would simply claim it. */
export const DEFAULT_PRIORITIES: readonly Priority[] = ['normal', 'low'];

export const PRIORITY_HEADER = 'paygate-priority';

function isPriority(v: string): v is Priority {
  return (PRIORITIES as readonly string[]).includes(v);
}

/** The request's class; absent = normal. Throws VALIDATION.INVALID_HEADER on anything else. */
export function parsePriority(header: string | string[] | undefined): Priority {
  if (header === undefined) return 'normal';
  const v = (Array.isArray(header) ? header.join(',') : header).trim().toLowerCase();
  if (!isPriority(v)) throw new PaygateError('VALIDATION.INVALID_HEADER', 'Paygate-Priority must be one of high, normal, low', { field: 'Paygate-Priority' });
  return v;
}

/** Stored as a comma list (api_keys.allowed_priorities); null means the default. */
export function allowedPriorities(stored: string | null | undefined): Priority[] {
  if (stored === null || stored === undefined) return [...DEFAULT_PRIORITIES];
  return stored.split(',').map((s) => s.trim()).filter(isPriority);
}

/** Requests of `priority` admitted per window; at least one, so a tiny limit still lets every class through. */
export function classCap(limit: number, priority: Priority): number {
  return Math.max(1, Math.floor(limit * PRIORITY_SHARE[priority]));
}

export interface KeyLimits {
  key_id: string;
  allowed_priorities: string | null;
  rate_limit: number | null;
}

export interface Admission {
  /** RateLimit-* (and on refusal Retry-After) headers for the answer. */
  headers: Record<string, string>;
  /** Set when the request is refused. */
  error?: PaygateError;
}

/**
 * Counts the request against its key's window if its class's share has room. A refused
 * request is not counted (the counter decides atomically), so a class pressing against its
 * share never pushes the count up for the classes above it.
 */
export async function admit(ctx: AppContext, key: KeyLimits, priorityHeader: string | string[] | undefined): Promise<Admission> {
  const priority = parsePriority(priorityHeader);
  const allowed = allowedPriorities(key.allowed_priorities);
  if (!allowed.includes(priority)) {
    throw new PaygateError('RATE_LIMIT.PRIORITY_NOT_ALLOWED', `this API key may not send Paygate-Priority: ${priority}; it may send ${allowed.join(', ') || 'no class'}`, { field: 'Paygate-Priority' });
  }
  const limit = key.rate_limit ?? ctx.config.PAYGATE_RATE_LIMIT_PER_S;
  const cap = classCap(limit, priority);
  const take = await ctx.rateWindows.take(key.key_id, limit, cap);
  const headers: Record<string, string> = { 'ratelimit-limit': String(cap), 'ratelimit-remaining': String(Math.max(0, cap - take.count)) };
  if (take.admitted) return { headers };
  countRefusal(ctx.metrics.registry, 'key_limit', priority);
  headers['ratelimit-remaining'] = '0';
  headers['retry-after'] = String(Math.max(1, Math.ceil(take.msBeforeNext / 1000)));
  return { headers, error: new PaygateError('RATE_LIMIT.EXCEEDED', `more than ${cap} ${priority}-priority requests this second for this API key (rate_limit ${limit}/s); retry after Retry-After seconds`) };
}

/**
 * Whether a node with `inflight` merchant-API requests already running should shed this one.
 * Only authenticated /v1 and /admin requests are counted and shed (http/admission.ts): buyers,
 * provider notifications, health checks and the simulators have budgets of their own
 * (app/admission.ts), so no amount of unauthenticated traffic can make the merchant API
 * answer 429. The class comes from the request's header, already checked against the key's
 * grant by then.
 */
export function shouldShed(priorityHeader: string | string[] | undefined, inflight: number, maxInflight: number): Priority | undefined {
  let priority: Priority;
  try {
    priority = parsePriority(priorityHeader);
  } catch {
    priority = 'normal'; // admission answers the 400
  }
  return inflight + 1 > maxInflight * PRIORITY_SHARE[priority] ? priority : undefined;
}

const refusals = new WeakMap<Registry, Counter<'reason' | 'priority'>>();

/** paygate_rate_limited_total, registered once per gateway's registry. */
export function rateLimitMetrics(registry: Registry): Counter<'reason' | 'priority'> {
  let c = refusals.get(registry);
  if (!c) {
    c = new Counter({ name: 'paygate_rate_limited_total', help: 'Requests refused with 429: reason key_limit (the API key\'s budget) or overloaded (node load shedding)', labelNames: ['reason', 'priority'] as const, registers: [registry] });
    refusals.set(registry, c);
  }
  return c;
}

export function countRefusal(registry: Registry, reason: 'key_limit' | 'overloaded', priority: Priority): void {
  rateLimitMetrics(registry).inc({ reason, priority });
}

/**
 * Admission: which budget a request counts in, decided in the first hooks, before any body
 * is read or any query runs. Classes, by route (not raw URL, so an encoded path is
 * classified as the route it reaches; unknown paths fall back to the raw path):
 * - merchant: /v1, /admin. Counted in PAYGATE_MAX_INFLIGHT and shed by priority, but only
 *   once authenticated (define.ts calls holdMerchantSlot right after the key or admin token
 *   checked out): a request with no valid key costs the merchant API's budget nothing, even
 *   if its body trickles in for the whole request timeout.
 * - stream: /pay/{id}/events. Per-client rate, then at most PAYGATE_SSE_MAX_PER_PAYMENT open
 *   per payment and PAYGATE_SSE_MAX_STREAMS in all on this node.
 * - cashier: the rest of /pay/*, /docs, /openapi.json and unknown paths. Per-client rate and
 *   PAYGATE_CASHIER_MAX_INFLIGHT.
 * - notify: /notify/*. PAYGATE_NOTIFY_MAX_INFLIGHT, one address at most half of it. No rate
 *   per address: a provider sends every notification of a sale from a few addresses, and a
 *   refusal (503) only delays it — the provider retries, and polling settles the payment.
 * - sandbox: /sandbox/*. PAYGATE_SANDBOX_MAX_INFLIGHT.
 * - ops: /healthz, /readyz, /metrics. Never refused: health checks must answer under load.
 * Each slot is given back when the answer's socket closes, so the counts are exact whatever
 * way a request ends (answered, refused by a timeout, client gone).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../app/context.js';
import { admissionMetrics, admitClient, clientKey, countAdmissionRefusal, InflightBudget, type PublicClass, type Slot } from '../app/admission.js';
import { countRefusal, PRIORITY_HEADER, shouldShed } from '../app/rate-limit.js';
import { PaygateError, type ErrorCode } from '../domain/errors.js';
import type { Config } from '../infra/config.js';
import { errorResponse } from './errors.js';

export type TrafficClass = 'merchant' | 'ops' | PublicClass;

const OPS = new Set(['/healthz', '/readyz', '/metrics']);

export function classify(route: string | undefined, url: string): TrafficClass {
  const path = route ?? url.split('?')[0] ?? '';
  if (/^\/(?:v1|admin)(?:\/|$)/.test(path)) return 'merchant';
  if (path === '/pay/:id/events') return 'stream';
  if (path.startsWith('/notify/')) return 'notify';
  if (path.startsWith('/sandbox/')) return 'sandbox';
  if (OPS.has(path)) return 'ops';
  return 'cashier';
}

const classes = new WeakMap<FastifyRequest, TrafficClass>();

/** The request's class, worked out once (every hook of every request asks). */
export function classOf(req: FastifyRequest): TrafficClass {
  let c = classes.get(req);
  if (c === undefined) classes.set(req, (c = classify(req.routeOptions.url, req.url)));
  return c;
}

/** Fastify's trustProxy from PAYGATE_TRUST_PROXY: the proxies whose X-Forwarded-For names the client (req.ip). */
export function trustProxy(config: Pick<Config, 'PAYGATE_TRUST_PROXY'>): string | false {
  const v = config.PAYGATE_TRUST_PROXY.trim();
  return v === 'none' ? false : v.split(',').map((p) => p.trim()).join(',');
}

/** Set by the onRequest hook on merchant requests; taken by holdMerchantSlot once authenticated. */
const pendingMerchant = new WeakMap<FastifyRequest, (reply: FastifyReply) => void>();

/**
 * Counts an authenticated merchant-API request in PAYGATE_MAX_INFLIGHT, or throws
 * RATE_LIMIT.OVERLOADED (with Retry-After) when its priority class is shed. A no-op for a
 * request the admission hook did not see (a bare app in a unit test).
 */
export function holdMerchantSlot(req: FastifyRequest, reply: FastifyReply): void {
  const hold = pendingMerchant.get(req);
  if (!hold) return;
  pendingMerchant.delete(req);
  hold(reply);
}

export interface Admission {
  /** Refuses the request (answering it) or counts it; call after the drain check. */
  admit(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined>;
  /** Requests and streams in progress, simulators excepted (they serve the in-flight creates while draining). */
  inflight(): number;
  /** Calls `fn` once inflight() reaches 0 (at once if it is 0). */
  whenIdle(fn: () => void): void;
}

export function createAdmission(ctx: AppContext): Admission {
  const c = ctx.config;
  const budgets = {
    merchant: new InflightBudget(Number.POSITIVE_INFINITY), // shed by priority below its cap, not by the budget
    ops: new InflightBudget(Number.POSITIVE_INFINITY),
    stream: new InflightBudget(c.PAYGATE_SSE_MAX_STREAMS, c.PAYGATE_SSE_MAX_PER_PAYMENT),
    cashier: new InflightBudget(c.PAYGATE_CASHIER_MAX_INFLIGHT),
    notify: new InflightBudget(c.PAYGATE_NOTIFY_MAX_INFLIGHT, Math.ceil(c.PAYGATE_NOTIFY_MAX_INFLIGHT / 2)),
    sandbox: new InflightBudget(c.PAYGATE_SANDBOX_MAX_INFLIGHT),
  } satisfies Record<TrafficClass, InflightBudget>;
  const budgetVar: Record<PublicClass, string> = {
    stream: 'open status streams (PAYGATE_SSE_MAX_STREAMS)', cashier: 'cashier requests in progress (PAYGATE_CASHIER_MAX_INFLIGHT)',
    notify: 'notifications in progress (PAYGATE_NOTIFY_MAX_INFLIGHT)', sandbox: 'simulator requests in progress (PAYGATE_SANDBOX_MAX_INFLIGHT)',
  };
  const metrics = admissionMetrics(ctx.metrics.registry);
  for (const [cls, b] of Object.entries(budgets)) metrics.sources.set(cls, () => b.size);

  let idle: (() => void) | undefined;
  const inflight = () => budgets.merchant.size + budgets.ops.size + budgets.stream.size + budgets.cashier.size + budgets.notify.size;
  const holdUntilClosed = (reply: FastifyReply, slot: Slot) => {
    const done = () => {
      slot.release();
      if (idle && inflight() === 0) {
        const fn = idle;
        idle = undefined;
        fn();
      }
    };
    // The client may have gone while the request was being authenticated: 'close' is behind us.
    if (reply.raw.closed) done();
    else reply.raw.once('close', done);
  };
  const refuse = (req: FastifyRequest, reply: FastifyReply, code: ErrorCode, message: string, retryAfterS: number) => {
    const e = errorResponse(new PaygateError(code, message), req.id);
    return reply.code(e.status).header('retry-after', String(retryAfterS)).header('cache-control', 'no-store').send(e.body);
  };

  return {
    inflight,
    whenIdle(fn) {
      if (inflight() === 0) return fn();
      idle = fn;
    },
    async admit(req, reply) {
      const cls = classOf(req);
      if (cls === 'merchant') {
        pendingMerchant.set(req, (r) => {
          const shed = shouldShed(req.headers[PRIORITY_HEADER], budgets.merchant.size, c.PAYGATE_MAX_INFLIGHT);
          if (shed) {
            countRefusal(ctx.metrics.registry, 'overloaded', shed);
            r.header('retry-after', '1');
            throw new PaygateError('RATE_LIMIT.OVERLOADED');
          }
          holdUntilClosed(r, budgets.merchant.take() as Slot);
        });
        return undefined;
      }
      const budget = budgets[cls];
      const holder = cls === 'stream' ? (req.params as { id?: string }).id ?? '' : cls === 'notify' ? clientKey(req.ip) : undefined;
      const slot = budget.take(holder);
      if (slot === 'full' || slot === 'holder_full') {
        // Only stream, cashier, notify and sandbox budgets have caps.
        const pc = cls as PublicClass;
        if (slot === 'holder_full' && pc === 'stream') {
          countAdmissionRefusal(ctx.metrics.registry, pc, 'per_payment');
          return refuse(req, reply, 'RATE_LIMIT.STREAMS_PER_PAYMENT', `this payment already has ${c.PAYGATE_SSE_MAX_PER_PAYMENT} open status streams on this node (PAYGATE_SSE_MAX_PER_PAYMENT); poll GET /pay/{id}/status instead`, 5);
        }
        if (slot === 'holder_full') {
          countAdmissionRefusal(ctx.metrics.registry, pc, 'per_client');
          return refuse(req, reply, 'RATE_LIMIT.NODE_BUSY', `this address holds half of this node's ${budgetVar[pc]}; retry after Retry-After seconds`, 1);
        }
        countAdmissionRefusal(ctx.metrics.registry, pc, 'node_budget');
        return refuse(req, reply, 'RATE_LIMIT.NODE_BUSY', `this node's ${budgetVar[pc]} is full; retry after Retry-After seconds, on another node if there is one`, 1);
      }
      if (cls === 'stream' || cls === 'cashier') {
        const client = await admitClient(ctx, req.ip);
        if (!client.admitted) {
          slot.release();
          countAdmissionRefusal(ctx.metrics.registry, cls, 'client_rate');
          return refuse(req, reply, 'RATE_LIMIT.CLIENT_EXCEEDED', `more than ${c.PAYGATE_CASHIER_RATE_PER_IP} requests this second from this address (PAYGATE_CASHIER_RATE_PER_IP); retry after Retry-After seconds`, client.retryAfterS);
        }
      }
      holdUntilClosed(reply, slot);
      return undefined;
    },
  };
}

/**
 * Provider queries a buyer can trigger without credentials (GET /pay/{id}/return, where
 * PayPal and Stripe send the buyer back). Each one is a signed call on the merchant's
 * account, so an anonymous client must not be able to multiply them: on each node,
 * - concurrent requests for one payment share one in-flight query (and all wait for it, so
 *   a PayPal approval is captured before any of them redirects), and
 * - a payment is queried at most once per BUYER_QUERY_INTERVAL_MS; within it the buyer is
 *   redirected without a call. Nothing is lost by skipping: the payment's poll job (and the
 *   provider's notification) settle it anyway, and the status page follows it live.
 * Every buyer-triggered provider call goes through queryForBuyer.
 */
import { hasPrefix } from '../domain/ids.js';
import { isTerminal, type PaymentStatus } from '../domain/payment-state.js';
import { followableReturnUrl } from '../domain/return-url.js';
import type { AppContext } from './context.js';
import { queryAtProvider } from './settle.js';
import type { CaptureTrigger } from './capture.js';

/** At most one buyer-triggered query per payment per node in this window. */
export const BUYER_QUERY_INTERVAL_MS = 10_000;
/** Payments remembered per node; past it the oldest are forgotten (at worst one more query each). */
const MAX_TRACKED = 10_000;

interface BuyerQueries {
  inflight: Map<string, Promise<void>>;
  /** Payment id → when its last buyer-triggered query started; insertion order = age. */
  started: Map<string, number>;
}

const perNode = new WeakMap<AppContext, BuyerQueries>();

function stateOf(ctx: AppContext): BuyerQueries {
  let s = perNode.get(ctx);
  if (!s) perNode.set(ctx, (s = { inflight: new Map(), started: new Map() }));
  return s;
}

function remember(s: BuyerQueries, paymentId: string, at: number): void {
  s.started.delete(paymentId);
  s.started.set(paymentId, at);
  for (const oldest of s.started.keys()) {
    if (s.started.size <= MAX_TRACKED) break;
    s.started.delete(oldest);
  }
}

export type BuyerQueryOutcome = 'queried' | 'joined' | 'skipped';

/** Asks the provider about an open payment on a buyer's behalf, coalesced and rate limited (see above). */
/** trigger 'approval': the buyer is back from approving at the provider (the return route); a page poll is 'poll'. */
export async function queryForBuyer(ctx: AppContext, paymentId: string, trigger: CaptureTrigger = 'poll'): Promise<BuyerQueryOutcome> {
  const s = stateOf(ctx);
  const running = s.inflight.get(paymentId);
  if (running) {
    await running;
    return 'joined';
  }
  const now = ctx.now();
  const last = s.started.get(paymentId);
  if (last !== undefined && now - last < BUYER_QUERY_INTERVAL_MS && now >= last) return 'skipped';
  remember(s, paymentId, now);
  // Registered before the first await, so every request arriving meanwhile joins this one.
  const run = (async () => {
    const payment = await ctx.db.selectFrom('payments').selectAll().where('id', '=', paymentId).executeTakeFirst();
    if (payment && !isTerminal(payment.status as PaymentStatus)) await queryAtProvider(ctx, payment, trigger);
  })()
    .catch((err: unknown) => ctx.log.error({ err, payment_id: paymentId }, 'buyer-triggered provider query failed'))
    .finally(() => s.inflight.delete(paymentId));
  s.inflight.set(paymentId, run);
  await run;
  return 'queried';
}

/**
 * GET /pay/{id}/return: where to send the buyer, after asking the provider unless the buyer
 * canceled there (approved nothing: no call). The merchant's return_url is re-checked here,
 * so a value stored before the rule existed falls back to the status page. undefined: no
 * such payment.
 */
export async function buyerReturnTarget(ctx: AppContext, paymentId: string, canceled: boolean): Promise<string | undefined> {
  if (!hasPrefix(paymentId, 'pay')) return undefined;
  const p = await ctx.db.selectFrom('payments').select(['id', 'status', 'return_url']).where('id', '=', paymentId).executeTakeFirst();
  if (!p) return undefined;
  if (!canceled && !isTerminal(p.status as PaymentStatus)) await queryForBuyer(ctx, p.id, 'approval');
  return followableReturnUrl(p.return_url) ?? `${ctx.publicUrl()}/pay/${p.id}`;
}

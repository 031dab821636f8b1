/**
 * Provider queries a buyer can trigger without credentials (GET /pay/{id}/return, where
 * PayPal and Stripe send the buyer back). Each one is a signed call on the merchant's
 * account, so an anonymous client must not be able to multiply them: on each node,
 * - concurrent requests for one payment share one in-flight query (and all wait for it, so
 *   a PayPal approval is captured before any of them redirects), and
 * - a payment is queried at most once per BUYER_QUERY_INTERVAL_MS; within it the buyer is
 *   redirected without a call. Nothing is lost by skipping: the payment's poll job (and the
 *   provider's notification) settle it anyway, and the status page follows it live.
 * Every buyer-triggered provider call goes through queryForBuyer; the node's record of them
 * is ctx.buyerQueries (services.ts).
 */
import { hasPrefix } from '../domain/ids.js';
import { isTerminal } from '../domain/payment-state.js';
import { followableReturnUrl } from '../domain/return-url.js';
import { paymentById } from '../infra/db/repos/payments.js';
import type { AppContext } from './context.js';
import { queryAtProvider } from './settle.js';
import type { CaptureTrigger } from './capture.js';

/** At most one buyer-triggered query per payment per node in this window. */
export const BUYER_QUERY_INTERVAL_MS = 10_000;
export type BuyerQueryOutcome = 'queried' | 'joined' | 'skipped';

/** Asks the provider about an open payment on a buyer's behalf, coalesced and rate limited (see above). */
/** trigger 'approval': the buyer is back from approving at the provider (the return route); a page poll is 'poll'. */
export async function queryForBuyer(ctx: AppContext, paymentId: string, trigger: CaptureTrigger = 'poll'): Promise<BuyerQueryOutcome> {
  const s = ctx.buyerQueries;
  const running = s.inflight.get(paymentId);
  if (running) {
    await running;
    return 'joined';
  }
  const now = ctx.now();
  const last = s.lastStarted(paymentId);
  if (last !== undefined && now - last < BUYER_QUERY_INTERVAL_MS && now >= last) return 'skipped';
  s.remember(paymentId, now);
  await s.inflight.run(paymentId, async () => {
    try {
      const payment = await paymentById(ctx.db, paymentId);
      if (payment && !isTerminal(payment.status)) await queryAtProvider(ctx, payment, trigger);
    } catch (err) {
      ctx.log.error({ err, payment_id: paymentId }, 'buyer-triggered provider query failed');
    }
  });
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
  const p = await paymentById(ctx.db, paymentId);
  if (!p) return undefined;
  if (!canceled && !isTerminal(p.status)) await queryForBuyer(ctx, p.id, 'approval');
  return followableReturnUrl(p.return_url) ?? `${ctx.publicUrl()}/pay/${p.id}`;
}

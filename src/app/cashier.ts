/**
 * The hosted cashier's reads (/pay/{id}, its status fallback and event stream): what the
 * buyer may see of a payment, and nothing more — no merchant id, no attempt or provider ids,
 * no metadata, no merchant_order_id.
 */
import { isTerminal, type PaymentStatus } from '../domain/payment-state.js';
import { followableReturnUrl } from '../domain/return-url.js';
import { latestAttempt } from '../infra/db/repos/attempts.js';
import { paymentById, paymentWithMerchantName } from '../infra/db/repos/payments.js';
import type { AttemptRow } from '../infra/db/schema.js';
import type { AppContext } from './context.js';

/** A payment id as Paygate makes them; anything else is not looked up at all. */
export const PAYMENT_ID = /^pay_[0-9a-z]{26}$/;

export interface BuyerView {
  id: string;
  status: PaymentStatus;
  amount: number;
  currency: string;
  description: string;
  merchantName: string;
  provider: string;
  /** Only a return_url that passes the rule (domain/return-url.ts) today; null otherwise. */
  returnUrl: string | null;
  expiresAt: number;
  qrCode: string | null;
  redirectUrl: string | null;
  /** The payment is still open but the buyer's last try was declined: they may try again (docs/failure-codes.md). */
  declined: boolean;
}

/** A decline the buyer can act on: only while the payment is open (a closed one says why in its own words). */
const declinedOpen = (status: PaymentStatus, failureCode: string | null | undefined): boolean => !isTerminal(status) && Boolean(failureCode);

/** How often the page render re-reads a payment whose QR code / link is being fetched. */
const ACTION_POLL_MS = 100;

/**
 * Payable, but its provider order is still being created: no attempt yet, or one with no
 * answer and no error (a held one, isUnanswered in payments/held.ts, has an error code).
 */
const actionPending = (status: PaymentStatus, a: Pick<AttemptRow, 'status' | 'qr_code' | 'redirect_url' | 'error_code'> | undefined): boolean =>
  status === 'requires_action' && (!a || (a.status === 'requires_action' && !a.qr_code && !a.redirect_url && a.error_code === null));

/**
 * `awaitAction`: the page render. An approved review commits requires_action — which the open
 * review page hears and reloads on — before its routing has stored the QR code / link
 * (app/risk/reviews.ts), so the reload would render "waiting" for good. While the provider
 * order is being created, read again until it is answered, for no longer than one provider
 * call may take (PAYGATE_PROVIDER_TIMEOUT_MS) after the attempt (or the approval) was written.
 */
export async function loadBuyerView(ctx: AppContext, id: string, opts: { awaitAction?: boolean } = {}): Promise<BuyerView | undefined> {
  if (!PAYMENT_ID.test(id)) return undefined;
  let p = await paymentWithMerchantName(ctx.db, id);
  if (!p) return undefined;
  let a = await latestAttempt(ctx.db, id);
  const limit = ctx.config.PAYGATE_PROVIDER_TIMEOUT_MS + 1_000;
  // Wall-clock bound as well as the rows' clock, so a test's frozen ctx.now() cannot make it spin.
  const started = Date.now();
  while (opts.awaitAction && actionPending(p.status, a) && ctx.now() < (a?.created_at ?? p.updated_at) + limit && Date.now() - started < limit) {
    await new Promise((resolve) => setTimeout(resolve, ACTION_POLL_MS));
    p = await paymentWithMerchantName(ctx.db, id);
    if (!p) return undefined;
    a = await latestAttempt(ctx.db, id);
  }
  return {
    id: p.id, status: p.status, amount: p.amount, currency: p.currency, description: p.description, merchantName: p.merchant_name,
    provider: p.provider, returnUrl: followableReturnUrl(p.return_url), expiresAt: p.expires_at, qrCode: a?.qr_code ?? null, redirectUrl: a?.redirect_url ?? null,
    declined: declinedOpen(p.status, p.failure_code),
  };
}

/** The payment's status and stored return_url (the event stream's snapshot); undefined when there is no such payment. */
export async function buyerStatus(ctx: AppContext, id: string): Promise<{ status: PaymentStatus; returnUrl: string | null; declined: boolean } | undefined> {
  const p = await paymentById(ctx.db, id);
  return p ? { status: p.status, returnUrl: p.return_url, declined: declinedOpen(p.status, p.failure_code) } : undefined;
}

/**
 * The hosted cashier's reads (/pay/{id}, its status fallback and event stream): what the
 * buyer may see of a payment, and nothing more — no merchant id, no attempt or provider ids,
 * no metadata, no merchant_order_id.
 */
import { isTerminal, type PaymentStatus } from '../domain/payment-state.js';
import { followableReturnUrl } from '../domain/return-url.js';
import { latestAttempt } from '../infra/db/repos/attempts.js';
import { paymentById, paymentWithMerchantName } from '../infra/db/repos/payments.js';
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

export async function loadBuyerView(ctx: AppContext, id: string): Promise<BuyerView | undefined> {
  if (!PAYMENT_ID.test(id)) return undefined;
  const p = await paymentWithMerchantName(ctx.db, id);
  if (!p) return undefined;
  const a = await latestAttempt(ctx.db, id);
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

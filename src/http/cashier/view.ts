/**
 * What the buyer may see of a payment, and nothing more: no merchant id, no attempt or
 * provider ids, no metadata, no merchant_order_id. The page, the status fallback and the
 * event stream all read through here.
 */
import type { AppContext } from '../../app/context.js';
import { isTerminal, type PaymentStatus } from '../../domain/payment-state.js';
import { followableReturnUrl } from '../../domain/return-url.js';

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
}

export async function loadBuyerView(ctx: AppContext, id: string): Promise<BuyerView | undefined> {
  if (!PAYMENT_ID.test(id)) return undefined;
  const p = await ctx.db.selectFrom('payments').innerJoin('merchants', 'merchants.id', 'payments.merchant_id')
    .select(['payments.id', 'payments.status', 'payments.amount', 'payments.currency', 'payments.description', 'payments.provider', 'payments.return_url', 'payments.expires_at', 'merchants.name as merchant_name'])
    .where('payments.id', '=', id).executeTakeFirst();
  if (!p) return undefined;
  const a = await ctx.db.selectFrom('attempts').select(['qr_code', 'redirect_url']).where('payment_id', '=', id).orderBy('id', 'desc').executeTakeFirst();
  return {
    id: p.id, status: p.status as PaymentStatus, amount: p.amount, currency: p.currency, description: p.description, merchantName: p.merchant_name,
    provider: p.provider, returnUrl: followableReturnUrl(p.return_url), expiresAt: p.expires_at, qrCode: a?.qr_code ?? null, redirectUrl: a?.redirect_url ?? null,
  };
}

/**
 * The status message of /status and the event stream; return_url only once it is the
 * buyer's next step, and only if it is still safe to follow (a value stored before the rule
 * existed is not handed to the page's redirect).
 */
export function statusMessage(status: string, returnUrl: string | null): { status: string; return_url: string | null } {
  return { status, return_url: status === 'succeeded' ? followableReturnUrl(returnUrl) : null };
}

export const isOpen = (s: PaymentStatus): boolean => !isTerminal(s);

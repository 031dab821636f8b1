/**
 * WeChat Pay trade_state → Paygate failure codes. WeChat Pay names no decline reason in its
 * API: a failed payment is trade_state PAYERROR ("支付失败(其他原因，如银行返回失败)") with
 * the reason, if any, in trade_state_desc; so the table is keyed by trade_state and the
 * message is WeChat's own text. PAYERROR leaves the order open (the buyer may pay again
 * with another card until it is closed or time_expire passes): not terminal (status.ts).
 */
import { declineFrom, type Decline, type FailureCode } from '../../domain/failure-codes.js';

export const WECHAT_DECLINES: Readonly<Record<string, FailureCode>> = {
  PAYERROR: 'card_declined',
  // Micropay only: the merchant or WeChat revoked the order.
  REVOKED: 'order_closed',
  CLOSED: 'order_closed',
};

/** The decline a trade_state reports, or undefined for states that are not a failure. */
export function wechatDecline(state: string, desc?: string): Decline | undefined {
  return Object.hasOwn(WECHAT_DECLINES, state) ? declineFrom(WECHAT_DECLINES, state, desc) : undefined;
}

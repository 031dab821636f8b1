/**
 * What of a PayPal webhook (event JSON: CHECKOUT.ORDER.APPROVED, PAYMENT.CAPTURE.*, CUSTOMER.DISPUTE.*)
 * may be stored in clear: event, resource and dispute ids, status, outcome, reason, amounts,
 * references and links. The buyer of a dispute, the case's messages, the payer
 * (payer_id, name, e-mail, phone, address), payment_source, shipping, the payee's e-mail
 * and any field not listed here are masked.
 */
import type { NotificationPrivacy } from '../types.js';
import type { PaypalCredentials } from './credentials.js';

const MONEY = ['currency_code', 'value'];
const money = (prefix: string) => MONEY.map((k) => `${prefix}.${k}`);
const UNIT = 'resource.purchase_units[]';
const CAPTURE = `${UNIT}.payments.captures[]`;
const DISPUTE_TX = 'resource.disputed_transactions[]';
const capture = (p: string) => [`${p}.id`, `${p}.status`, ...money(`${p}.amount`), `${p}.final_capture`, `${p}.custom_id`, `${p}.invoice_id`, `${p}.create_time`, `${p}.update_time`, `${p}.status_details.reason`];

export const paypalNotificationPrivacy: NotificationPrivacy<PaypalCredentials> = {
  format: 'json',
  keep: [
    'id', 'event_version', 'create_time', 'resource_type', 'resource_version', 'event_type', 'summary',
    'links[].href', 'links[].rel', 'links[].method',
    ...capture('resource'), 'resource.intent',
    ...money('resource.seller_receivable_breakdown.gross_amount'), ...money('resource.seller_receivable_breakdown.paypal_fee'), ...money('resource.seller_receivable_breakdown.net_amount'),
    ...money('resource.seller_payable_breakdown.gross_amount'), ...money('resource.seller_payable_breakdown.paypal_fee'), ...money('resource.seller_payable_breakdown.net_amount'),
    'resource.supplementary_data.related_ids.order_id', 'resource.supplementary_data.related_ids.capture_id',
    'resource.links[].href', 'resource.links[].rel', 'resource.links[].method',
    `${UNIT}.reference_id`, ...money(`${UNIT}.amount`), `${UNIT}.custom_id`, `${UNIT}.invoice_id`, `${UNIT}.payee.merchant_id`, ...capture(CAPTURE),
    // Refunds and reversals (refund-shaped resources).
    ...money('resource.seller_payable_breakdown.total_refunded_amount'),
    // Disputes (CUSTOMER.DISPUTE.*): what the case is about and how it stands; the buyer and the messages are masked.
    'resource.dispute_id', 'resource.reason', ...money('resource.dispute_amount'), 'resource.dispute_outcome.outcome_code', ...money('resource.dispute_outcome.amount_refunded'),
    'resource.dispute_life_cycle_stage', 'resource.dispute_channel', 'resource.seller_response_due_date',
    `${DISPUTE_TX}.seller_transaction_id`, `${DISPUTE_TX}.custom`, `${DISPUTE_TX}.invoice_number`, `${DISPUTE_TX}.transaction_status`, `${DISPUTE_TX}.create_time`, ...money(`${DISPUTE_TX}.gross_amount`),
  ],
  personal: [
    'resource.payer.payer_id', 'resource.payer.name.given_name', 'resource.payer.name.surname', 'resource.payer.email_address', 'resource.payer.phone',
    'resource.payer.address', 'resource.payment_source.paypal', `${UNIT}.shipping`, `${UNIT}.payee.email_address`, 'resource.note_to_payer',
    `${DISPUTE_TX}.buyer`, `${DISPUTE_TX}.buyer_transaction_id`, 'resource.messages', 'resource.offer',
  ],
  secret: [],
  identifiers: [
    { path: 'resource.payer.payer_id', kind: 'provider_buyer_id' }, { path: 'resource.payment_source.paypal.account_id', kind: 'provider_buyer_id' },
    { path: 'resource.payer.email_address', kind: 'email' }, { path: 'resource.payment_source.paypal.email_address', kind: 'email' },
  ],
  secretHeaders: ['paypal-transmission-sig'],
};

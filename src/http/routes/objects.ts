/**
 * Response schemas (zod): the API objects as app/representations.ts, app/disputes.ts,
 * app/merchants.ts, app/accounts.ts and app/jobs.ts shape them. They only document (routes
 * declare them as `response`, the OpenAPI document turns them into components); nothing
 * parses answers with them at run time. Objects are loose: a field added later is not a
 * breaking change, so clients must ignore fields they do not know.
 */
import { z } from 'zod';
import { METHODS, PROVIDERS } from '../../app/connectors.js';
import { PAYMENT_STATUSES } from '../../domain/payment-state.js';
import { REFUND_STATUSES } from '../../domain/refund-state.js';
import { DISPUTE_STATUSES } from '../../domain/dispute-state.js';
import { PRIORITIES } from '../../app/rate-limit.js';
import { JOB_KINDS } from '../../infra/jobs/queue.js';
import { EVENT_TYPES } from '../schemas.js';

/** Every named response schema, keyed by its OpenAPI component name (see openapi.ts). */
export const responseRegistry = z.registry<{ id: string; description?: string }>();
export function named<T extends z.ZodType>(id: string, schema: T, description?: string): T {
  responseRegistry.add(schema, description ? { id, description } : { id });
  return schema;
}

export const time = z.iso.datetime();
export const minor = z.number().int().meta({ description: 'Integer minor units (fen, cents): 8888 is 88.88 CNY' });
export const list = <T extends z.ZodType>(id: string, item: T) => named(id, z.looseObject({ object: z.literal('list'), data: z.array(item), has_more: z.boolean().meta({ description: 'More items after the last one: ask again with starting_after=<its id>' }), url: z.string().meta({ description: 'The path this list was read from, e.g. /v1/payments', example: '/v1/payments' }) }));

export const attemptObject = named('Attempt', z.looseObject({
  id: z.string(), provider: z.enum(PROVIDERS), provider_account_id: z.string(),
  status: z.string().meta({ description: 'The attempt\'s state at its provider account' }),
  provider_reference: z.string().meta({ description: 'The order number Paygate sent the provider (out_trade_no, orderId, PayPal order / Stripe session key)' }),
  provider_transaction_id: z.string().nullable(),
  error: z.looseObject({ code: z.string(), message: z.string().nullable(), decline_code: z.string().nullable().optional().meta({ description: 'The provider\'s own decline code' }) }).nullable()
    .meta({ description: 'Why this attempt failed: a create that failed (catalog code) or the provider\'s decline (failure code)' }),
  failure_code: z.string().nullable().optional().meta({ description: 'Paygate\'s failure code (docs/failure-codes.md) of the last decline on this attempt' }),
  failure_message: z.string().nullable().optional(),
  created_at: time,
}));

export const routingEntryObject = named('RoutingEntry', z.looseObject({
  provider_account_id: z.string(),
  attempt_id: z.string().optional().meta({ description: 'The attempt made there; absent when the account was skipped without a call' }),
  outcome: z.enum(['skipped', 'failed', 'unanswered']).meta({ description: 'skipped: not called (CIRCUIT_OPEN, DAILY_LIMIT, ACCOUNT_UNAVAILABLE); failed: the provider refused or was provably not reached, routing moved on; unanswered: no answer came back, the attempt is held for a repeat with the same provider-side key and routing stopped' }),
  reason: z.string(), at: time,
}));

export const disputeObject = named('Dispute', z.looseObject({
  id: z.string(), object: z.literal('dispute'), payment_id: z.string(),
  kind: z.enum(['dispute', 'reversal']).meta({ description: 'dispute: the buyer contests (may be won); reversal: the provider took the money back' }),
  status: z.enum(DISPUTE_STATUSES), amount: minor, currency: z.string(), reason: z.string().nullable(),
  provider_status: z.string().nullable(), created_at: time, updated_at: time, closed_at: time.nullable(),
}));

export const riskDecisionObject = named('RiskDecision', z.looseObject({
  action: z.enum(['allow', 'review', 'block']).meta({ description: 'What risk control decided before the provider call: allow goes on; review holds the payment in requires_review; block fails it (failure_code RISK.BLOCKED)' }),
  score: z.number().int().min(0).max(99).meta({ description: '0..99: the strongest signal (behaviour, graph, geo, or a fired rule\'s score; see score_parts and docs/risk.md)' }),
  rules: z.array(z.looseObject({ name: z.string(), action: z.enum(['allow', 'review', 'block']), mode: z.enum(['active', 'shadow']) })).meta({ description: 'Every rule that fired, active and shadow, in rule order' }),
  shadow_action: z.enum(['allow', 'review', 'block']).meta({ description: 'What the action would have been with the shadow rules active' }),
  lists: z.array(z.looseObject({ list: z.string(), action: z.string(), value: z.string() })).meta({ description: 'The list entries that hit' }),
  score_parts: z.looseObject({ behaviour: z.number().int(), graph: z.number().int(), geo: z.number().int(), rules: z.number().int() }),
  rule_set_version: z.number().int().meta({ description: 'The merchant\'s rule set version that decided (0: none)' }),
  review_id: z.string().nullable().meta({ description: 'The review (rev_…) when the action is review' }),
}), 'The risk decision made on a payment before any provider call (docs/risk.md)');

export const reviewObject = named('Review', z.looseObject({
  id: z.string(), object: z.literal('review'), merchant_id: z.string(), payment_id: z.string(),
  status: z.enum(['open', 'closed']), reason: z.string().meta({ description: 'Why risk control asked for review: the rules and list entries' }),
  closed_reason: z.enum(['approved', 'denied', 'expired', 'canceled']).nullable(), closed_by: z.string().nullable(), note: z.string().nullable(),
  created_at: time, closed_at: time.nullable(),
}), 'A payment held for manual review, and how the review ended');

const paymentExample = {
  id: 'pay_01jf8x2k3m4n5p6q7r8s9t0v1w', object: 'payment', livemode: false, status: 'requires_action', amount: 8888, currency: 'CNY', method: 'alipay_qr',
  provider: 'alipay', merchant_order_id: 'ORDER-1001', description: 'Order 1001', amount_refunded: 0, fee: null, net: null, disputed: false, disputes: [], failure_code: null, failure_message: null,
  return_url: 'https://shop.example/orders/1001', payer_country: 'CN',
  customer: { id: 'cus_42', email: 'buyer@example.com', phone: null }, client_ip: '203.0.113.7', device_id: 'dev_9f8e7d',
  risk: { action: 'allow', score: 0, rules: [], shadow_action: 'allow', shadow: [], errors: [], lists: [], score_parts: { behaviour: 0, graph: 0, geo: 0, rules: 0 }, rule_set_version: 3, review_id: null },
  next_action: { type: 'display_qr_code', qr_code: 'https://qr.alipay.com/bax01234', checkout_url: 'https://pay.example/pay/pay_01jf8x2k3m4n5p6q7r8s9t0v1w' },
  attempts: [{ id: 'att_01jf8x2k3m4n5p6q7r8s9t0v1x', provider: 'alipay', provider_account_id: 'pa_01jf8x0a1b2c3d4e5f6g7h8j9k', status: 'requires_action', provider_reference: 'pay_01jf8x2k3m4n5p6q7r8s9t0v1w', provider_transaction_id: null, error: null, failure_code: null, failure_message: null, created_at: '2026-12-01T08:00:00.000Z' }],
  routing: [], created_at: '2026-12-01T08:00:00.000Z', updated_at: '2026-12-01T08:00:00.000Z', expires_at: '2026-12-01T08:15:00.000Z', metadata: { cart: '42' },
};

export const paymentObject = named('Payment', z.looseObject({
  id: z.string(), object: z.literal('payment'),
  livemode: z.boolean().nullable().meta({ description: 'Whether the attempts went to a live provider account; null before any attempt' }),
  status: z.enum(PAYMENT_STATUSES), amount: minor, currency: z.string(), method: z.enum(METHODS), provider: z.string().nullable(),
  merchant_order_id: z.string(), description: z.string().nullable(), amount_refunded: minor,
  fee: minor.nullable().meta({ description: 'The provider\'s fee on the payment, from its bill (a reconciliation run); null until one has read it' }),
  net: minor.nullable().meta({ description: 'amount − fee: what reached the merchant\'s provider balance; null until a reconciliation run has read the bill' }),
  disputed: z.boolean().meta({ description: 'True while a dispute is open, or after one was lost or the provider reversed the payment' }),
  disputes: z.array(disputeObject), return_url: z.string().nullable(),
  payer_country: z.string().nullable().meta({ description: 'ISO 3166-1 alpha-2: as given, or the country of client_ip (offline geo-IP); null when neither says' }),
  customer: z.object({ id: z.string().nullable(), email: z.string().nullable(), phone: z.string().nullable() }).nullable()
    .meta({ description: 'Who pays, as the create said (risk inputs, docs/risk.md); the e-mail lower-cased; null when none was given. Cleared by an erase of the buyer' }),
  client_ip: z.string().nullable().meta({ description: 'The buyer\'s IP address as the create gave it' }),
  device_id: z.string().nullable().meta({ description: 'The buyer\'s device id as the create gave it' }),
  next_action: z.looseObject({
    type: z.enum(['display_qr_code', 'redirect']), qr_code: z.string().optional(), checkout_url: z.string().optional().meta({ description: 'Paygate\'s hosted cashier page for the QR code' }), url: z.string().optional(),
  }).nullable().meta({ description: 'What the buyer does next, while requires_action or processing' }),
  risk: riskDecisionObject.nullable().meta({ description: 'The risk decision before the provider call; null for payments made before risk control decided payments' }),
  failure_code: z.string().nullable().optional().meta({ description: 'Why the payment failed, or the last decline while the buyer may still pay (docs/failure-codes.md); RISK.BLOCKED and RISK.DENIED are risk control\'s' }),
  failure_message: z.string().nullable().optional(),
  attempts: z.array(attemptObject), routing: z.array(routingEntryObject).meta({ description: 'Accounts routing skipped or abandoned before the current attempt, and why' }),
  created_at: time, updated_at: time, expires_at: time, metadata: z.record(z.string(), z.string()),
}).meta({ examples: [paymentExample] }), 'A payment: one order, one amount, paid by one method through one or more provider attempts');

const refundExample = {
  id: 're_01jf8y7a8b9c0d1e2f3g4h5j6k', object: 'refund', payment_id: 'pay_01jf8x2k3m4n5p6q7r8s9t0v1w', amount: 2000, currency: 'CNY', status: 'succeeded',
  reason: 'customer request', failure_reason: null, origin: 'paygate', created_at: '2026-12-01T09:00:00.000Z', updated_at: '2026-12-01T09:00:02.000Z',
};
export const refundObject = named('Refund', z.looseObject({
  id: z.string(), object: z.literal('refund'), payment_id: z.string(), amount: minor, currency: z.string(), status: z.enum(REFUND_STATUSES),
  reason: z.string().nullable(), failure_reason: z.string().nullable(),
  origin: z.enum(['paygate', 'provider']).meta({ description: 'paygate: asked through the API; provider: made in the provider\'s dashboard or portal' }),
  created_at: time, updated_at: time,
}).meta({ examples: [refundExample] }), 'A refund of part or all of a succeeded payment');

export const eventObject = named('Event', z.looseObject({
  id: z.string(), object: z.literal('event'), type: z.enum(EVENT_TYPES), created_at: time,
  data: z.looseObject({ object: z.union([paymentObject, refundObject, disputeObject, reviewObject]).meta({ description: 'The payment (payment.*), refund (refund.*), dispute (payment.disputed, dispute.closed) or review (review.closed) as it was when the event happened' }) }),
}), 'Something that happened; the body of every webhook delivery');

/** The body of one webhook event type, for the document's `webhooks` (openapi.ts). */
export function webhookPayload(type: (typeof EVENT_TYPES)[number]) {
  const object = type.startsWith('refund.') ? refundObject : type.startsWith('review.') ? reviewObject : type === 'payment.disputed' || type.startsWith('dispute.') ? disputeObject : paymentObject;
  return z.looseObject({ id: z.string(), object: z.literal('event'), type: z.literal(type), created_at: time, data: z.looseObject({ object }) });
}

export const webhookEndpointObject = named('WebhookEndpoint', z.looseObject({
  id: z.string(), object: z.literal('webhook_endpoint'), url: z.string(), events: z.array(z.string()), created_at: time,
  secret: z.string().optional().meta({ description: 'The signing secret (whsec_…): only in the answer to the create' }),
}));
export const deletedObject = named('Deleted', z.looseObject({ id: z.string(), object: z.string(), deleted: z.literal(true) }));

export const merchantObject = named('Merchant', z.looseObject({ id: z.string(), object: z.literal('merchant'), name: z.string(), created_at: time }));
export const createdMerchantObject = named('MerchantCreated', z.looseObject({
  id: z.string(), object: z.literal('merchant'), name: z.string(), created_at: time,
  secret_key: z.string().nullable().meta({ description: 'The first secret key (sk_test_…), shown once' }), api_key_id: z.string(),
}));
const apiKeyFields = {
  id: z.string(), object: z.literal('api_key'), merchant_id: z.string(), mode: z.enum(['test', 'live']), prefix: z.string(),
  allowed_priorities: z.array(z.enum(PRIORITIES)).nullable(), rate_limit: z.number().int().nullable(), created_at: time, revoked: z.boolean(),
};
export const apiKeyObject = named('ApiKey', z.looseObject(apiKeyFields));
export const createdApiKeyObject = named('ApiKeyCreated', z.looseObject({ ...apiKeyFields, secret_key: z.string().meta({ description: 'The secret key, shown once' }) }));
export const revokedApiKeyObject = named('ApiKeyRevoked', z.looseObject({ id: z.string(), object: z.literal('api_key'), revoked: z.literal(true) }));

export const providerAccountObject = named('ProviderAccount', z.looseObject({
  id: z.string(), object: z.literal('provider_account'), merchant_id: z.string(), provider: z.enum(PROVIDERS), mode: z.enum(['sandbox', 'live']),
  base_url: z.string(), daily_limit: z.number().int().nullable(), created_at: time,
}), 'Provider credentials (never returned: they are encrypted at rest)');
export const providerAccountHealthObject = named('ProviderAccountHealth', z.looseObject({
  object: z.literal('provider_account_health'), provider_account_id: z.string(), provider: z.string(), node: z.string().meta({ description: 'host:pid of the node whose view this is' }),
  breaker: z.looseObject({ state: z.enum(['closed', 'open', 'half_open', 'isolated']), since: time, half_open_after_ms: z.number().int(), opened_with: z.looseObject({ calls: z.number().int(), failures: z.number().int(), failure_rate: z.number() }).nullable() }),
  window: z.looseObject({ duration_ms: z.number().int(), calls: z.number().int(), failures: z.number().int(), failure_rate: z.number() }),
  bulkhead: z.looseObject({ executing: z.number().int(), queued: z.number().int(), limit: z.number().int() }),
  last_error: z.looseObject({ code: z.string(), message: z.string(), at: time }).nullable(),
}));

export const routingObject = named('Routing', z.looseObject({
  object: z.literal('routing'), merchant_id: z.string(), updated_at: time.nullable(),
  rules: z.array(z.looseObject({
    method: z.enum(METHODS), strategy: z.enum(['ordered', 'weighted']),
    accounts: z.array(z.looseObject({ provider_account_id: z.string(), weight: z.number().int().optional() })),
    conditions: z.looseObject({ currencies: z.array(z.string()).optional(), min_amount: minor.optional(), max_amount: minor.optional(), payer_countries: z.array(z.string()).optional() }).optional(),
  })),
}));

export const jobObject = named('Job', z.looseObject({
  id: z.string(), object: z.literal('job'), kind: z.enum(JOB_KINDS), ref_id: z.string().meta({ description: 'The delivery, attempt, payment or refund it works on' }),
  state: z.enum(['dead', 'pending']), attempts: z.number().int(), last_error: z.string().nullable(), dead_at: time.nullable(), run_at: time.nullable(), created_at: time,
}));

export const erasureObject = named('PrivacyErasure', z.looseObject({
  object: z.literal('privacy_erasure'), payment_ids: z.array(z.string()), payments: z.number().int(), events: z.number().int(),
  notifications: z.number().int(), identifiers: z.number().int(), idempotency_keys: z.number().int(),
  risk_links: z.number().int().meta({ description: 'Links of risk control\'s graph that touched the buyer\'s customer id, e-mail, device or provider buyer id, deleted' }),
  risk_profiles: z.number().int().meta({ description: 'The buyer\'s behaviour profiles (risk control), deleted' }),
}));

export const paymentList = list('PaymentList', paymentObject);
export const refundList = list('RefundList', refundObject);
export const disputeList = list('DisputeList', disputeObject);
export const eventList = list('EventList', eventObject);
export const webhookEndpointList = list('WebhookEndpointList', webhookEndpointObject);
export const merchantList = list('MerchantList', merchantObject);
export const providerAccountList = list('ProviderAccountList', providerAccountObject);
export const jobList = list('JobList', jobObject);

/** One payload per event type, for the document's `webhooks` (components PaymentSucceededEvent, …). */
export const webhookPayloads: Record<string, z.ZodType> = Object.fromEntries(EVENT_TYPES.map((type) => {
  const name = type.split('.').map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
  return [type, named(`${name}Event`, webhookPayload(type), `The body of a ${type} webhook delivery`)];
}));

export const healthObject = named('Health', z.looseObject({ status: z.literal('ok') }), 'The process is up (liveness)');
export const readinessObject = named('Readiness', z.looseObject({
  status: z.enum(['ready', 'degraded', 'migrations_pending', 'database_unreachable']).meta({ description: 'ready / degraded (Redis down: rate limits per node) answer 200; migrations_pending and database_unreachable answer 503' }),
  pending: z.number().int().optional().meta({ description: 'Migrations not yet applied' }),
  redis: z.string().optional(),
}), 'Whether this node should take traffic (readiness)');
export const cashierStatusObject = named('CashierStatus', z.looseObject({ status: z.enum(PAYMENT_STATUSES), return_url: z.string().nullable(), declined: z.literal(true).optional().meta({ description: 'Present while the payment is open and the last try was declined: the buyer may try again' }) }));

/** Request schemas (zod). They validate input and feed the OpenAPI document. */
import { isIP } from 'node:net';
import { z } from 'zod';
import { METHODS, PROVIDERS } from '../app/connectors.js';
import { PAYMENT_STATUSES } from '../domain/payment-state.js';
import { DISPUTE_STATUSES } from '../domain/dispute-state.js';
import { PRIORITIES } from '../app/rate-limit.js';

const id = (prefix: string) => z.string().regex(new RegExp(`^${prefix}_[0-9a-z]{26}$`), `send a ${prefix}_ id (${prefix}_ and 26 lower-case letters or digits), exactly as the API returned it`);

/**
 * Every list takes the same cursor parameters, as Stripe's do; unknown parameters are refused
 * (a misspelt filter must not silently list everything). Lists extend this schema.
 */
export const listQuery = z.strictObject({
  limit: z.coerce.number({ error: 'send a whole number from 1 to 100, e.g. limit=20' }).int('send a whole number from 1 to 100, e.g. limit=20').min(1).max(100).default(20),
  starting_after: z.string().regex(/^[a-z]{1,5}_[0-9a-z]{26}$/, 'send the id of the last object of the page you have (data[data.length - 1].id), exactly as the API returned it').optional(),
});

export const createPaymentBody = z.strictObject({
  amount: z.number().int().positive().max(1e13),
  currency: z.string().regex(/^[A-Z]{3}$/, 'ISO 4217 code in upper case, e.g. CNY'),
  method: z.enum(METHODS),
  merchant_order_id: z.string().min(1).max(64).regex(/^[\w\-.:]+$/, 'letters, digits and _ - . : only'),
  description: z.string().max(256).optional(),
  expires_in_seconds: z.number().int().min(5).max(7 * 86400).optional(),
  // Checked by the create itself (domain/return-url.ts), which knows the key's mode: one code, VALIDATION.RETURN_URL_INVALID.
  return_url: z.string().meta({ format: 'uri', maxLength: 2048, description: 'https URL the buyer returns to; http only to localhost/127.0.0.1/[::1] with a test key' }).nullable().optional(),
  metadata: z.record(z.string().max(40), z.string().max(500)).refine((m) => Object.keys(m).length <= 50, 'at most 50 keys').optional(),
  provider_account_id: id('pa').nullable().optional(),
  payer_country: z.string().regex(/^[A-Z]{2}$/, 'ISO 3166-1 alpha-2 code in upper case, e.g. CN').nullable().optional(),
  // Risk inputs (docs/risk.md): who pays, as the merchant knows them. All optional.
  customer: z.strictObject({
    id: z.string().min(1).max(64).regex(/^[\w\-.:@]+$/, 'your own id of the customer: letters, digits and _ - . : @ only').optional(),
    email: z.email('an e-mail address, e.g. buyer@example.com').max(254).optional(),
    phone: z.string().regex(/^\+?[0-9][0-9 ()-]{4,24}$/, 'a phone number, digits with an optional leading +, e.g. +8613800138000').optional(),
  }).optional(),
  client_ip: z.string().max(45).refine((v) => isIP(v) !== 0, 'the buyer\'s IPv4 or IPv6 address as your server saw it, e.g. 203.0.113.7').optional(),
  device_id: z.string().min(1).max(128).regex(/^[\x21-\x7e]+$/, 'your device fingerprint or id: printable ASCII without spaces').optional(),
});

export const paymentIdParams = z.object({ id: id('pay') });
export const getPaymentQuery = z.object({ refresh: z.enum(['true', 'false']).optional() });
export const listPaymentsQuery = listQuery.extend({
  merchant_order_id: z.string().max(64).optional(),
  status: z.enum(PAYMENT_STATUSES).optional(),
});

export const createRefundBody = z.strictObject({
  payment_id: id('pay'),
  amount: z.number().int().positive().max(1e13).optional(),
  reason: z.string().max(256).optional(),
});
export const refundIdParams = z.object({ id: id('re') });
export const listRefundsQuery = listQuery.extend({ payment_id: id('pay').optional() });

export const disputeIdParams = z.object({ id: id('dsp') });
export const listDisputesQuery = listQuery.extend({ payment_id: id('pay').optional(), status: z.enum(DISPUTE_STATUSES).optional() });

export const EVENT_TYPES = ['payment.review_required', 'payment.processing', 'payment.succeeded', 'payment.failed', 'payment.canceled', 'payment.expired', 'payment.conflict', 'payment.disputed', 'dispute.closed', 'refund.succeeded', 'refund.failed', 'review.closed', 'risk.flagged'] as const;
export const createEndpointBody = z.strictObject({
  // Where it may point (no loopback, private, …) is policy, checked by app/webhooks.ts.
  url: z.url({ protocol: /^https?$/ }).max(2048)
    .refine((u) => { const x = URL.parse(u); return x === null || (x.username === '' && x.password === ''); }, 'must not contain a user name or password (user:pass@); authenticate the request by its Paygate-Signature'),
  events: z.array(z.enum([...EVENT_TYPES, '*'])).min(1).max(20),
});
export const endpointIdParams = z.object({ id: id('we') });
export const eventIdParams = z.object({ id: id('evt') });
export const listEventsQuery = listQuery.extend({ type: z.enum(EVENT_TYPES).optional() });

export const createMerchantBody = z.strictObject({ name: z.string().min(1).max(128) });
export const merchantIdParams = z.object({ id: id('mch') });
export const apiKeyParams = z.object({ id: id('mch'), key_id: id('key') });
const apiKeySettings = {
  /** null = the default (normal, low); high must be granted here. */
  allowed_priorities: z.array(z.enum(PRIORITIES)).min(1).max(PRIORITIES.length).nullable().optional(),
  /** Requests per second; null = PAYGATE_RATE_LIMIT_PER_S. */
  rate_limit: z.number().int().min(1).max(1_000_000).nullable().optional(),
};
export const createApiKeyBody = z.strictObject({ mode: z.enum(['test', 'live']).optional(), ...apiKeySettings });
export const updateApiKeyBody = z.strictObject(apiKeySettings).refine((b) => Object.keys(b).length > 0, 'give allowed_priorities and/or rate_limit');
export const createProviderAccountBody = z.strictObject({
  provider: z.enum(PROVIDERS),
  mode: z.enum(['sandbox', 'live']),
  base_url: z.url({ protocol: /^https?$/ }).max(2048),
  credentials: z.record(z.string(), z.unknown()),
  daily_limit: z.number().int().positive().nullable().optional(),
});

const currency = z.string().regex(/^[A-Z]{3}$/, 'ISO 4217 code in upper case, e.g. CNY');
const country = z.string().regex(/^[A-Z]{2}$/, 'ISO 3166-1 alpha-2 code in upper case, e.g. CN');
export const routingBody = z.strictObject({
  rules: z.array(z.strictObject({
    method: z.enum(METHODS),
    strategy: z.enum(['ordered', 'weighted']).default('ordered'),
    accounts: z.array(z.strictObject({
      provider_account_id: id('pa'),
      weight: z.number().int().positive().max(1_000_000).optional(),
    })).min(1).max(20),
    conditions: z.strictObject({
      currencies: z.array(currency).min(1).max(50).optional(),
      min_amount: z.number().int().nonnegative().max(1e13).optional(),
      max_amount: z.number().int().nonnegative().max(1e13).optional(),
      payer_countries: z.array(country).min(1).max(250).optional(),
    }).optional(),
  })).max(100),
});

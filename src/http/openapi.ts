/** Builds the OpenAPI 3.1 document from the route definitions and their zod schemas. */
import { z } from 'zod';
import { ERROR_CATALOG } from '../domain/errors.js';
import type { OpenApiOp } from './define.js';

function paramsOf(schema: z.ZodType | undefined, where: 'path' | 'query') {
  if (!schema) return [];
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({ name, in: where, required: where === 'path' || (json.required ?? []).includes(name), schema: s }));
}

export function buildOpenApi(ops: OpenApiOp[], version: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of ops) {
    const entry: Record<string, unknown> = {
      summary: op.summary,
      tags: [op.tag],
      security: op.auth === 'merchant' ? [{ secretKey: [] }] : op.auth === 'admin' ? [{ adminToken: [] }] : [],
      parameters: [
        ...paramsOf(op.params, 'path'),
        ...paramsOf(op.query, 'query'),
        ...(op.method === 'POST' && op.auth === 'merchant' ? [{ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 255 } }] : []),
        ...(op.auth === 'merchant' ? [{ name: 'Paygate-Priority', in: 'header', required: false, description: 'Priority class for rate limiting and load shedding (default normal; high must be granted to the key)', schema: { type: 'string', enum: ['high', 'normal', 'low'] } }] : []),
      ],
      responses: {
        [String(op.success)]: { description: op.secretFields?.length
          ? `Success. ${op.secretFields.map((f) => `\`${f}\``).join(', ')} is in this answer only: a replay with the same Idempotency-Key answers null there, with ${op.secretFields.map((f) => `\`${f}_shown_once: true\``).join(', ')} (Paygate never stores it outside the vault)`
          : 'Success' },
        ...(op.auth === 'merchant' ? { '429': { description: 'Rate limited (RATE_LIMIT.EXCEEDED) or node overloaded (RATE_LIMIT.OVERLOADED); see Retry-After', headers: { 'Retry-After': { schema: { type: 'integer' } } } } } : {}),
        default: { description: 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
      },
    };
    if (op.body) {
      entry.requestBody = { required: true, content: { 'application/json': { schema: z.toJSONSchema(op.body, { io: 'input', unrepresentable: 'any' }) } } };
    }
    (paths[op.url] ??= {})[op.method.toLowerCase()] = entry;
  }
  paths['/notify/{provider}/{provider_account_id}'] = {
    post: {
      summary: 'Provider notification endpoint (the notify_url Paygate gives the provider); answers in the provider\'s expected form',
      tags: ['Providers'],
      parameters: [
        { name: 'provider', in: 'path', required: true, schema: { type: 'string' } },
        { name: 'provider_account_id', in: 'path', required: true, schema: { type: 'string' } },
      ],
      responses: {
        '200': { description: 'Accepted (body per provider, e.g. `success`)' }, '400': { description: 'Rejected' },
        '503': { description: 'This node\'s notification budget is full (RATE_LIMIT.NODE_BUSY, before the body is read); the provider retries', headers: { 'Retry-After': { schema: { type: 'integer' } } } },
      },
    },
  };
  // The buyer-facing cashier routes are HTML / event streams, not JSON API operations, but
  // they are public URLs merchants link to, so they are listed too.
  const paymentId = { name: 'payment_id', in: 'path', required: true, schema: { type: 'string', pattern: '^pay_[0-9a-z]{26}$' } };
  // Admission (docs/security.md): per-address rate, stream caps, the node's in-flight budget.
  const refusals = {
    '429': { description: 'Too many requests from this address (RATE_LIMIT.CLIENT_EXCEEDED) or, for /events, too many open streams for this payment (RATE_LIMIT.STREAMS_PER_PAYMENT: poll /status instead); see Retry-After', headers: { 'Retry-After': { schema: { type: 'integer' } } } },
    '503': { description: 'This node\'s budget for this traffic is full (RATE_LIMIT.NODE_BUSY); see Retry-After', headers: { 'Retry-After': { schema: { type: 'integer' } } } },
  };
  const cashier = (summary: string, type: string) => ({ get: { summary, tags: ['Cashier'], parameters: [paymentId], responses: { '200': { description: type }, '404': { description: 'Unknown payment' }, ...refusals } } });
  paths['/pay/{payment_id}'] = cashier('Hosted cashier page (QR or redirect button, live status; ?lang=en|zh-CN)', 'text/html');
  paths['/pay/{payment_id}/events'] = cashier('Server-sent events with the payment status, pushed on every change', 'text/event-stream');
  paths['/pay/{payment_id}/status'] = cashier('Polling fallback: {status, return_url}', 'application/json');
  paths['/pay/{payment_id}/return'] = { get: { summary: 'Where redirect providers send the buyer back (PayPal orders are captured here), then on to return_url', tags: ['Cashier'], parameters: [paymentId], responses: { '303': { description: 'Redirect to return_url or the cashier page' }, ...refusals } } };
  return {
    openapi: '3.1.0',
    info: { title: 'Paygate API', version, description: 'One API over Alipay, WeChat Pay, UnionPay, PayPal and Stripe. Amounts are integers in minor units.' },
    components: {
      securitySchemes: {
        secretKey: { type: 'http', scheme: 'bearer', description: 'sk_test_... or sk_live_...' },
        adminToken: { type: 'http', scheme: 'bearer', description: 'PAYGATE_ADMIN_TOKEN' },
      },
      schemas: {
        RoutingEntry: {
          type: 'object',
          required: ['provider_account_id', 'outcome', 'reason', 'at'],
          properties: {
            provider_account_id: { type: 'string' },
            attempt_id: { type: 'string', description: 'The attempt made there; absent when the account was skipped without a call' },
            outcome: { type: 'string', enum: ['skipped', 'failed', 'unanswered'], description: 'skipped: not called (CIRCUIT_OPEN, DAILY_LIMIT, ACCOUNT_UNAVAILABLE); failed: the provider refused or was provably not reached, routing moved on; unanswered: no answer came back, the attempt is held for a repeat with the same provider-side key and routing stopped' },
            reason: { type: 'string' },
            at: { type: 'string', format: 'date-time' },
          },
        },
        Error: {
          type: 'object',
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message', 'request_id'],
              properties: {
                code: { type: 'string', enum: Object.keys(ERROR_CATALOG) }, message: { type: 'string' }, request_id: { type: 'string' }, field: { type: 'string' },
                payment_id: { type: 'string', description: 'The payment a failed create made or resumed (repeat the create with the same merchant_order_id to go on with it)' },
                provider_code: { type: ['string', 'null'], description: "The provider's own code for the failure, when it gave one" },
                tried: { type: 'array', description: 'Provider accounts routing passed over or stopped at, and why', items: { $ref: '#/components/schemas/RoutingEntry' } },
                safe_to_repeat: { type: 'boolean', description: 'The provider gave no answer and may hold the order: repeat the same create (same merchant_order_id, amount, currency, method); it resumes the same attempt with the same provider-side key, never a second order' },
              },
            },
          },
        },
      },
    },
    paths,
  };
}

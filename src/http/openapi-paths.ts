/**
 * The OpenAPI entries of routes not made with defineRoute: provider notifications, the
 * buyer-facing cashier (HTML / event streams, but public URLs merchants link to) and the
 * operator endpoints /healthz, /readyz, /metrics.
 */
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: string) => ({ 'application/json': { schema: ref(name) } });
const retryAfter = { 'Retry-After': { schema: { type: 'integer' }, description: 'Seconds to wait before trying again' } };
// An unexpected failure (e.g. the database unreachable: SERVICE.UNAVAILABLE) answers the JSON error on every route.
const fallback = { default: { description: 'Error', content: json('Error') } };

export function extraPaths(): Record<string, Record<string, unknown>> {
  const paths: Record<string, Record<string, unknown>> = {};
  paths['/notify/{provider}/{provider_account_id}'] = {
    post: {
      operationId: 'receiveProviderNotification',
      summary: 'Provider notification endpoint (the notify_url Paygate gives the provider); answers in the provider\'s expected form',
      description: 'Any content type: the body is kept as the exact bytes received, because each provider signs those bytes.',
      tags: ['Providers'], security: [],
      parameters: [
        { name: 'provider', in: 'path', required: true, schema: { type: 'string', enum: ['alipay', 'wechatpay', 'unionpay', 'paypal', 'stripe'] } },
        { name: 'provider_account_id', in: 'path', required: true, schema: { type: 'string' } },
      ],
      requestBody: { required: true, content: { '*/*': { schema: { type: 'string', description: 'The provider\'s notification, as it sent it' } } } },
      responses: {
        '200': { description: 'Accepted: the acknowledgement the provider expects (Alipay `success`, WeChat Pay / PayPal / Stripe JSON, UnionPay `ok`)', content: { '*/*': { schema: { type: 'string' } } } },
        '400': { description: 'Rejected (bad signature, unknown order, malformed): the provider retries or gives up per its own schedule', content: { '*/*': { schema: { type: 'string' } } } },
        '503': { description: 'This node\'s notification budget is full (RATE_LIMIT.NODE_BUSY, before the body is read); the provider retries', headers: retryAfter, content: json('Error') },
        ...fallback,
      },
    },
  };
  const paymentId = { name: 'payment_id', in: 'path', required: true, schema: { type: 'string', pattern: '^pay_[0-9a-z]{26}$' } };
  // Admission (docs/security.md): per-address rate, stream caps, the node's in-flight budget.
  const refusals = {
    '429': { description: 'Too many requests from this address (RATE_LIMIT.CLIENT_EXCEEDED) or, for /events, too many open streams for this payment (RATE_LIMIT.STREAMS_PER_PAYMENT: poll /status instead); see Retry-After', headers: retryAfter, content: json('Error') },
    '503': { description: 'This node\'s budget for this traffic is full (RATE_LIMIT.NODE_BUSY); see Retry-After', headers: retryAfter, content: json('Error') },
    ...fallback,
  };
  const text = { type: 'string' };
  const cashier = (operationId: string, summary: string, content: Record<string, unknown>, notFound: Record<string, unknown>) => ({
    get: { operationId, summary, tags: ['Cashier'], security: [], parameters: [paymentId], responses: { '200': { description: 'The payment\'s page / status', content }, '404': { description: 'Unknown payment', content: notFound }, ...refusals } },
  });
  const html = { 'text/html': { schema: text } };
  paths['/pay/{payment_id}'] = {
    get: {
      ...cashier('getCashierPage', 'Hosted cashier page (QR or redirect button, live status)', html, html).get,
      parameters: [paymentId, { name: 'lang', in: 'query', required: false, schema: { type: 'string', enum: ['en', 'zh-CN'] }, description: 'Page language; default from Accept-Language' }],
    },
  };
  paths['/pay/{payment_id}/events'] = cashier('streamCashierEvents', 'Server-sent events with the payment status, pushed on every change', { 'text/event-stream': { schema: text } }, json('Error'));
  paths['/pay/{payment_id}/status'] = cashier('getCashierStatus', 'Polling fallback: the payment status, and return_url once it succeeded', json('CashierStatus'), json('Error'));
  paths['/pay/{payment_id}/return'] = {
    get: {
      operationId: 'returnFromProvider', tags: ['Cashier'], security: [], parameters: [paymentId, { name: 'canceled', in: 'query', required: false, schema: { type: 'string', enum: ['true'] }, description: 'The buyer canceled at the provider' }],
      summary: 'Where redirect providers send the buyer back (PayPal orders are captured here), then on to return_url',
      responses: { '303': { description: 'Redirect to return_url or the cashier page', headers: { Location: { schema: text } } }, '404': { description: 'Unknown payment', content: html }, ...refusals },
    },
  };
  paths['/admin/sandbox/payments/{payment_id}/pay'] = {
    post: {
      operationId: 'sandboxPay', summary: 'Sandbox only: play the buyer of a payment at the simulator its account points at (what `paygate sandbox pay` calls)', tags: ['Sandbox'],
      security: [{ adminToken: [] }],
      parameters: [{ name: 'payment_id', in: 'path', required: true, schema: { type: 'string', pattern: '^pay_[0-9a-z]{1,64}$' } }],
      requestBody: { required: false, content: { 'application/json': { schema: { type: 'object', additionalProperties: false, properties: { outcome: { type: 'string', enum: ['success', 'fail'], default: 'success' } } } } } },
      responses: {
        '200': { description: "The simulator's answer to its `/_payer/pay` (the buyer's action), as it gave it", content: { 'application/json': { schema: { type: 'object', additionalProperties: true } } } },
        '401': { description: 'AUTH.INVALID_ADMIN_TOKEN', content: json('Error') },
        '404': { description: 'PAYMENT.NOT_FOUND: no such payment, or no attempt at a provider yet', content: json('Error') },
        ...fallback,
      },
    },
  };
  paths['/healthz'] = { get: { operationId: 'getHealth', summary: 'Liveness: the process answers (no dependency is checked)', tags: ['Operations'], security: [], responses: { '200': { description: 'Alive', content: json('Health') }, ...fallback } } };
  paths['/readyz'] = {
    get: {
      operationId: 'getReadiness', summary: 'Readiness: the database answers and every migration is applied (Redis down is `degraded`, still 200)', tags: ['Operations'], security: [],
      responses: { '200': { description: 'Ready (or degraded)', content: json('Readiness') }, '503': { description: 'Not ready: migrations_pending or database_unreachable', content: json('Readiness') }, ...fallback },
    },
  };
  paths['/metrics'] = {
    get: {
      operationId: 'getMetrics', summary: 'Prometheus metrics (provider calls, breakers, jobs, dead letters, webhooks, admission)', tags: ['Operations'],
      description: 'Open unless PAYGATE_METRICS_TOKEN is set; then it needs Authorization: Bearer $PAYGATE_METRICS_TOKEN.',
      security: [{}, { metricsToken: [] }],
      responses: {
        '200': { description: 'Prometheus text exposition format 0.0.4', content: { 'text/plain': { schema: text } } },
        '401': { description: 'AUTH.INVALID_METRICS_TOKEN', content: json('Error') }, ...fallback,
      },
    },
  };
  return paths;
}

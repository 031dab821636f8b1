// The REST API: OAuth2 token, Orders v2, captures, refunds, webhooks registration,
// transaction search, and the webhook certificate.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SimContext } from './context.js';
import { HANG_MS } from '../common/faults.js';
import { isCurrency, newDebugId, newResourceId, newToken, toMinor } from './format.js';
import { answer, refundCapture } from './money-back.js';
import { captureOrder, captureView, disputeView, instrumentDeclines, orderView, refundView, reversalView } from './resources.js';
import type { OrderRow } from './store.js';
import { registerSearch } from './search.js';

type Answer = { status: number; body: unknown };
type Obj = Record<string, unknown>;

export function paypalError(status: number, name: string, message: string, issue?: string): Answer {
  return { status, body: { name, message, debug_id: newDebugId(), ...(issue ? { details: [{ issue, description: message }] } : {}) } };
}

/** PayPal's answer when the approved funding source fails: 422 with a redirect link back to approval (the restart flow). */
function instrumentDeclined(sim: SimContext, o: OrderRow): Answer {
  const a = paypalError(422, 'UNPROCESSABLE_ENTITY', 'The instrument presented was either declined by the processor or bank, or it can\'t be used for this payment.', 'INSTRUMENT_DECLINED');
  const href = orderView(sim, o).links.find((l) => l.rel === 'approve' || l.rel === 'payer-action')?.href;
  return { status: a.status, body: { ...(a.body as Obj), ...(href ? { links: [{ href, rel: 'redirect', method: 'GET' }] } : {}) } };
}

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const s = (o: Obj | undefined, k: string): string | undefined => (typeof o?.[k] === 'string' && o[k] !== '' ? o[k] : undefined);

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Latency, errors and hangs before any state is touched. Returns an answer when the fault replaces the real one. */
async function fault(sim: SimContext): Promise<Answer | undefined> {
  const f = sim.faults();
  if (f.latency_ms > 0) await sim.sleep(f.latency_ms);
  if (f.timeout_rate > 0 && sim.random() < f.timeout_rate) {
    await sim.sleep(HANG_MS);
    return paypalError(504, 'GATEWAY_TIMEOUT', 'simulated hang');
  }
  if (f.error_rate > 0 && sim.random() < f.error_rate) return paypalError(500, 'INTERNAL_SERVER_ERROR', 'An internal server error occurred (simulated).');
  return undefined;
}

function bearerClient(sim: SimContext, req: FastifyRequest): string | undefined {
  const m = /^Bearer ([\x21-\x7e]+)$/.exec(req.headers.authorization ?? '');
  return m?.[1] ? sim.store.tokenClient(m[1], sim.now()) : undefined;
}

const send = (reply: FastifyReply, a: Answer) => reply.code(a.status).header('paypal-debug-id', newDebugId()).type('application/json').send(JSON.stringify(a.body));

export function registerApi(app: FastifyInstance, sim: SimContext): void {
  /** Authenticated JSON API route with faults and PayPal-Request-Id replay for POSTs. */
  const route = (method: 'GET' | 'POST' | 'PATCH', url: string, handler: (client: string, req: FastifyRequest) => Answer) => {
    app.route({
      method, url,
      handler: async (req, reply) => {
        const f = await fault(sim);
        if (f) return send(reply, f);
        const client = bearerClient(sim, req);
        if (!client) return reply.code(401).type('application/json').send({ error: 'invalid_token', error_description: 'Token signature verification failed' });
        const rid = req.headers['paypal-request-id'];
        const requestId = typeof rid === 'string' && rid !== '' ? rid.slice(0, 108) : undefined;
        if (method !== 'POST' || !requestId) return send(reply, handler(client, req));
        // Check, act and remember in one synchronous transaction: concurrent repeats see one outcome.
        const a = sim.store.transaction(() => {
          const seen = sim.store.getReplay(client, requestId);
          if (seen) return { status: seen.status, body: JSON.parse(seen.body) as unknown };
          const out = handler(client, req);
          if (out.status < 500) sim.store.putReplay(client, requestId, out.status, JSON.stringify(out.body));
          return out;
        });
        return send(reply, a);
      },
    });
  };

  app.post('/v1/oauth2/token', async (req, reply) => {
    const f = await fault(sim);
    if (f) return send(reply, f);
    const m = /^Basic ([A-Za-z0-9+/=]+)$/.exec(req.headers.authorization ?? '');
    const [id, secret] = m?.[1] ? Buffer.from(m[1], 'base64').toString('utf8').split(/:(.*)/s) : [];
    const appRow = id ? sim.store.getApp(id) : undefined;
    if (!appRow || secret === undefined || !safeEqual(secret, appRow.client_secret)) {
      return reply.code(401).type('application/json').send({ error: 'invalid_client', error_description: 'Client Authentication failed' });
    }
    if (new URLSearchParams(typeof req.body === 'string' ? req.body : '').get('grant_type') !== 'client_credentials') {
      return reply.code(400).type('application/json').send({ error: 'unsupported_grant_type', error_description: 'Grant Type is NULL' });
    }
    const token = newToken();
    sim.store.insertToken(token, appRow.client_id, sim.now() + sim.tokenTtlSeconds * 1000);
    return reply.type('application/json').send({ scope: 'https://uri.paypal.com/services/payments/payment', access_token: token, token_type: 'Bearer', app_id: `APP-${appRow.client_id.slice(1, 17)}`, expires_in: sim.tokenTtlSeconds, nonce: newDebugId() });
  });

  route('POST', '/v1/notifications/webhooks', (client, req) => {
    const b = isObj(req.body) ? req.body : {};
    const url = s(b, 'url');
    if (!url || !/^https?:\/\//.test(url)) return paypalError(400, 'INVALID_REQUEST', 'url must be an http(s) URL', 'INVALID_PARAMETER_SYNTAX');
    const types = Array.isArray(b.event_types) ? b.event_types.map((t) => (isObj(t) ? s(t, 'name') : undefined)).filter((t): t is string => !!t) : [];
    const id = newResourceId();
    sim.store.upsertWebhook({ id, client_id: client, url, event_types: JSON.stringify(types.length ? types : ['*']), created_at: sim.now() });
    return { status: 201, body: { id, url, event_types: (types.length ? types : ['*']).map((name) => ({ name })) } };
  });

  route('PATCH', '/v1/notifications/webhooks/:id', (client, req) => {
    const w = sim.store.getWebhook((req.params as { id: string }).id);
    if (!w || w.client_id !== client) return paypalError(404, 'RESOURCE_NOT_FOUND', 'webhook not found', 'INVALID_RESOURCE_ID');
    const ops = Array.isArray(req.body) ? req.body : [];
    const op = ops.find((o): o is Obj => isObj(o) && o.op === 'replace' && o.path === '/url');
    const url = op && typeof op.value === 'string' ? op.value : undefined;
    if (!url) return paypalError(400, 'INVALID_REQUEST', 'expected [{op:"replace", path:"/url", value}]', 'INVALID_PARAMETER_SYNTAX');
    sim.store.upsertWebhook({ ...w, url });
    return { status: 200, body: { id: w.id, url, event_types: (JSON.parse(w.event_types) as string[]).map((name) => ({ name })) } };
  });

  route('POST', '/v2/checkout/orders', (client, req) => createOrder(sim, client, req.body));

  const ownOrder = (client: string, req: FastifyRequest): OrderRow | undefined => {
    const o = sim.store.getOrder((req.params as { id: string }).id);
    return o && o.client_id === client ? o : undefined;
  };
  const notFound = (what: string) => paypalError(404, 'RESOURCE_NOT_FOUND', `The specified resource does not exist (${what}).`, 'INVALID_RESOURCE_ID');

  route('GET', '/v2/checkout/orders/:id', (client, req) => {
    const o = ownOrder(client, req);
    return o ? { status: 200, body: orderView(sim, o) } : notFound('order');
  });

  route('POST', '/v2/checkout/orders/:id/capture', (client, req) => {
    const o = ownOrder(client, req);
    if (!o) return notFound('order');
    sim.stats.captureRequests.set(o.id, (sim.stats.captureRequests.get(o.id) ?? 0) + 1);
    if (o.status === 'COMPLETED') {
      sim.stats.alreadyCaptured.set(o.id, (sim.stats.alreadyCaptured.get(o.id) ?? 0) + 1);
      return paypalError(422, 'UNPROCESSABLE_ENTITY', 'Order already captured.', 'ORDER_ALREADY_CAPTURED');
    }
    if (o.status !== 'APPROVED') return paypalError(422, 'UNPROCESSABLE_ENTITY', 'Payer has not yet approved the Order for payment.', 'ORDER_NOT_APPROVED');
    if (instrumentDeclines(o)) return instrumentDeclined(sim, o);
    captureOrder(sim, o);
    const after = sim.store.getOrder(o.id);
    return { status: 201, body: after ? orderView(sim, after) : {} };
  });

  route('GET', '/v2/payments/captures/:id', (client, req) => {
    const c = sim.store.getCapture((req.params as { id: string }).id);
    return c && c.client_id === client ? { status: 200, body: captureView(sim, c) } : notFound('capture');
  });

  route('POST', '/v2/payments/captures/:id/refund', (client, req) => answer(sim, () => refundCapture(sim, client, (req.params as { id: string }).id, req.body), paypalError));

  route('GET', '/v2/payments/refunds/:id', (client, req) => {
    const id = (req.params as { id: string }).id;
    const r = sim.store.getRefund(id);
    if (r && r.client_id === client) return { status: 200, body: refundView(sim, r) };
    // A reversal's self link is a refund URL too.
    const v = sim.store.getReversal(id);
    return v && v.client_id === client ? { status: 200, body: reversalView(sim, v) } : notFound('refund');
  });

  // Customer Disputes API v1 (read side; the buyer's and PayPal's moves are sandbox routes in dashboard.ts).
  route('GET', '/v1/customer/disputes/:id', (client, req) => {
    const d = sim.store.getDispute((req.params as { id: string }).id);
    return d && d.client_id === client ? { status: 200, body: disputeView(sim, d) } : notFound('dispute');
  });
  route('GET', '/v1/customer/disputes', (client, req) => {
    const tx = (req.query as Record<string, string | undefined>).disputed_transaction_id;
    const items = sim.store.disputesOfClient(client).filter((d) => !tx || d.capture_id === tx).map((d) => {
      const { disputed_transactions: _, ...summary } = disputeView(sim, d);
      return summary;
    });
    return { status: 200, body: { items, links: [{ href: `${sim.publicBaseUrl()}/v1/customer/disputes`, rel: 'self', method: 'GET' }] } };
  });

  registerSearch(route, sim);

  app.get<{ Params: { file: string } }>('/certs/:file', async (req, reply) => {
    if (req.params.file !== `${sim.keys.certId}.pem`) return reply.code(404).send('not found');
    return reply.type('application/x-pem-file').send(sim.keys.certPem);
  });
}

function createOrder(sim: SimContext, client: string, body: unknown): Answer {
  const bad = (issue: string, message: string) => paypalError(422, 'UNPROCESSABLE_ENTITY', message, issue);
  if (!isObj(body)) return paypalError(400, 'INVALID_REQUEST', 'Request is not well-formed, syntactically incorrect, or violates schema.', 'MALFORMED_REQUEST_JSON');
  if (body.intent !== 'CAPTURE' && body.intent !== 'AUTHORIZE') return paypalError(400, 'INVALID_REQUEST', 'intent must be CAPTURE or AUTHORIZE', 'INVALID_PARAMETER_VALUE');
  if (body.intent !== 'CAPTURE') return bad('INTENT_NOT_SUPPORTED', 'the simulator supports intent CAPTURE only');
  const units = Array.isArray(body.purchase_units) ? body.purchase_units : [];
  const unit = isObj(units[0]) ? units[0] : undefined;
  if (!unit || units.length !== 1) return paypalError(400, 'INVALID_REQUEST', 'exactly one purchase unit is supported', 'INVALID_ARRAY_MAX_ITEMS');
  const amount = isObj(unit.amount) ? unit.amount : undefined;
  const currency = s(amount, 'currency_code') ?? '';
  const value = s(amount, 'value') ?? '';
  if (!isCurrency(currency)) return bad('CURRENCY_NOT_SUPPORTED', `Currency code ${currency} is not currently supported.`);
  const minor = toMinor(value, currency);
  if (minor === null) return bad('DECIMAL_PRECISION', `value ${value} has the wrong precision for ${currency}`);
  if (minor <= 0) return bad('CANNOT_BE_ZERO_OR_NEGATIVE', 'amount must be greater than zero');
  const ctxOld = isObj(body.application_context) ? body.application_context : undefined;
  const source = isObj(body.payment_source) && isObj(body.payment_source.paypal) ? body.payment_source.paypal : undefined;
  const exp = isObj(source?.experience_context) ? source.experience_context : ctxOld;
  const now = sim.now();
  const o: OrderRow = {
    id: newResourceId(), client_id: client, status: source ? 'PAYER_ACTION_REQUIRED' : 'CREATED', reference_id: s(unit, 'reference_id') ?? null,
    custom_id: s(unit, 'custom_id') ?? null, invoice_id: s(unit, 'invoice_id') ?? null, description: s(unit, 'description') ?? null, currency,
    amount_minor: minor, return_url: s(exp, 'return_url') ?? null, cancel_url: s(exp, 'cancel_url') ?? null, uses_payment_source: source ? 1 : 0,
    decline: 0, payer_id: null, created_at: now, updated_at: now,
  };
  sim.store.insertOrder(o);
  return { status: 201, body: orderView(sim, o) };
}

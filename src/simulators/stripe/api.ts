// The /v1 API: Bearer secret-key auth, faults, Idempotency-Key replay, then the handlers.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { newId, sha256Hex } from './crypto.js';
import type { SimContext } from './context.js';
import { ApiError, invalid, load } from './errors.js';
import { HANG_MS } from '../common/faults.js';
import { ParamError, paramList, paramString, parseParams, type Params } from './form.js';
import { cancelPaymentIntent, createPaymentIntent, createSession, expireSession, searchPaymentIntents, sessionView } from './ledger.js';
import { createRefund, listObjects, pageOf } from './refunds.js';
import { dashboardRefund, moveDispute, openDispute } from './disputes.js';
import { listBalanceTransactions } from './bill.js';
import type { AccountRow, StripeObject } from './store.js';

const IDEMPOTENCY_WINDOW_MS = 24 * 3600_000;

export interface Call { account: AccountRow; params: Params; idempotencyKey?: string; id: string }
type Handler = (call: Call) => unknown;

function authenticate(sim: SimContext, req: FastifyRequest): AccountRow {
  const h = req.headers.authorization ?? '';
  let key: string | undefined;
  if (/^Bearer /i.test(h)) key = h.slice(7).trim();
  // stripe-node once used Basic auth with the key as user name; curl -u sk_...: still does.
  else if (/^Basic /i.test(h)) key = Buffer.from(h.slice(6), 'base64').toString('utf8').split(':')[0];
  if (!key) throw new ApiError(401, 'invalid_request_error', 'You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. \'Authorization: Bearer YOUR_SECRET_KEY\').');
  // Looked up by hash: the comparison never runs over the secret itself.
  const account = sim.store.accountByKeyHash(sha256Hex(key));
  if (!account) throw new ApiError(401, 'invalid_request_error', `Invalid API Key provided: ${key.slice(0, 8)}${'*'.repeat(Math.max(0, key.length - 12))}${key.slice(-4)}`);
  return account;
}

function paramsOf(req: FastifyRequest): Params {
  const q = req.url.indexOf('?');
  const query = q >= 0 ? parseParams(req.url.slice(q + 1)) : {};
  const body = typeof req.body === 'string' ? parseParams(req.body) : {};
  return { ...query, ...body };
}

async function run(sim: SimContext, req: FastifyRequest, reply: FastifyReply, handler: Handler): Promise<FastifyReply> {
  const requestId = newId('req', 14);
  reply.header('request-id', requestId).header('stripe-version', '2024-06-20');
  try {
    const faults = sim.faults();
    if (faults.latency_ms > 0) await sim.sleep(faults.latency_ms);
    if (faults.timeout_rate > 0 && sim.random() < faults.timeout_rate) {
      await sim.sleep(HANG_MS);
      return reply.code(504).send();
    }
    const account = authenticate(sim, req);
    if (faults.error_rate > 0 && sim.random() < faults.error_rate) {
      // Injected before the request executes, so (as at Stripe) nothing is stored for its key.
      reply.header('stripe-should-retry', 'true');
      throw new ApiError(500, 'api_error', 'An unknown error occurred (injected by the sandbox).');
    }
    const params = paramsOf(req);
    const key = typeof req.headers['idempotency-key'] === 'string' ? req.headers['idempotency-key'] : undefined;
    if (req.method !== 'POST' || key === undefined) return reply.send(sim.store.transaction(() => handler({ account, params, id: requestId })));
    if (key.length > 255) throw invalid('Idempotency-Key must be at most 255 characters.');
    const fingerprint = sha256Hex(`${req.method} ${req.url.split('?')[0]} ${typeof req.body === 'string' ? req.body : ''}`);
    const stored = sim.store.idempotency(account.id, key, sim.now() - IDEMPOTENCY_WINDOW_MS);
    if (stored) {
      if (stored.fingerprint !== fingerprint) {
        throw new ApiError(400, 'idempotency_error', `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`);
      }
      return reply.code(stored.status).header('idempotent-replayed', 'true').type('application/json').send(stored.body);
    }
    // Execute and store the answer (errors included) in one transaction: a replay sees exactly what the first caller saw.
    const { status, body } = sim.store.transaction(() => {
      let result: { status: number; body: string };
      try {
        result = { status: 200, body: JSON.stringify(handler({ account, params, idempotencyKey: key, id: requestId })) };
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        result = { status: err.status, body: JSON.stringify(err.body()) };
      }
      sim.store.saveIdempotency(account.id, key, { fingerprint, ...result, created: sim.now() });
      return result;
    });
    return reply.code(status).header('idempotency-key', key).type('application/json').send(body);
  } catch (err) {
    if (err instanceof ApiError) return reply.code(err.status).send(err.body());
    if (err instanceof ParamError) return reply.code(400).send(invalid(err.message, err.param).body());
    throw err;
  }
}

const idParam = (req: FastifyRequest): string => (req.params as { id: string }).id;

export function registerApi(app: FastifyInstance, sim: SimContext): void {
  const route = (method: 'GET' | 'POST' | 'DELETE', url: string, handler: (call: Call, req: FastifyRequest) => unknown) =>
    app.route({ method, url, handler: (req, reply) => run(sim, req, reply, (call) => handler(call, req)) });
  const expand = (p: Params): string[] => (paramList(p, 'expand') ?? []).filter((v): v is string => typeof v === 'string');

  route('POST', '/v1/checkout/sessions', ({ account, params }) => sessionView(sim, account.id, createSession(sim, account.id, params)));
  route('GET', '/v1/checkout/sessions/:id', ({ account, params }, req) => sessionView(sim, account.id, load(sim, account.id, 'checkout.session', idParam(req)), expand(params)));
  route('POST', '/v1/checkout/sessions/:id/expire', ({ account }, req) => sessionView(sim, account.id, expireSession(sim, account.id, idParam(req))));

  route('POST', '/v1/payment_intents', ({ account, params }) => createPaymentIntent(sim, account.id, params));
  route('GET', '/v1/payment_intents/search', ({ account, params }) => {
    const data = searchPaymentIntents(sim, account.id, paramString(params, 'query') ?? '');
    return { object: 'search_result', data, has_more: false, next_page: null, url: '/v1/payment_intents/search' };
  });
  route('GET', '/v1/payment_intents/:id', ({ account }, req) => load(sim, account.id, 'payment_intent', idParam(req)));
  route('POST', '/v1/payment_intents/:id/cancel', ({ account, params }, req) => cancelPaymentIntent(sim, account.id, idParam(req), paramString(params, 'cancellation_reason')));

  route('POST', '/v1/refunds', ({ account, params, idempotencyKey }) => createRefund(sim, account.id, params, idempotencyKey));
  route('GET', '/v1/refunds/:id', ({ account }, req) => load(sim, account.id, 'refund', idParam(req)));
  route('GET', '/v1/refunds', ({ account, params }) => {
    const pi = paramString(params, 'payment_intent');
    const charge = paramString(params, 'charge');
    return listObjects(sim, account.id, 'refund', pageOf(params), '/v1/refunds', (r) => (!pi || r.payment_intent === pi) && (!charge || r.charge === charge));
  });
  route('GET', '/v1/disputes/:id', ({ account }, req) => load(sim, account.id, 'dispute', idParam(req)));
  route('GET', '/v1/disputes', ({ account, params }) => {
    const pi = paramString(params, 'payment_intent');
    const charge = paramString(params, 'charge');
    return listObjects(sim, account.id, 'dispute', pageOf(params), '/v1/disputes', (d) => (!pi || d.payment_intent === pi) && (!charge || d.charge === charge));
  });
  // The sandbox "dashboard" (no such API at Stripe; same auth and form encoding): disputes the
  // buyer's bank would open, and refunds made by hand. Each emits the events Stripe would.
  route('POST', '/_dashboard/disputes', ({ account, params }) => openDispute(sim, account.id, params));
  route('POST', '/_dashboard/disputes/:id', ({ account, params }, req) => moveDispute(sim, account.id, idParam(req), params));
  route('POST', '/_dashboard/refunds', ({ account, params }) => dashboardRefund(sim, account.id, params));
  // GET /v1/account: the account the key belongs to (its id names it in the sandbox's bill controls).
  route('GET', '/v1/account', ({ account }) => ({ id: account.id, object: 'account', type: 'standard', created: Math.floor(account.created / 1000) }));
  // Also the bill reconciliation reads (created[gte|lt] over a day, expand[]=data.source): bill.ts.
  route('GET', '/v1/balance_transactions', ({ account, params }) => listBalanceTransactions(sim, account.id, params));

  route('POST', '/v1/webhook_endpoints', ({ account, params }) => {
    const url = paramString(params, 'url');
    if (!url || !/^https?:\/\//.test(url)) throw invalid('Invalid URL: must be an http(s) URL.', 'url');
    const events = (paramList(params, 'enabled_events') ?? []).filter((e): e is string => typeof e === 'string');
    if (events.length === 0) throw invalid('Missing required param: enabled_events.', 'enabled_events');
    return endpointView(addEndpoint(sim, account.id, url, events), true);
  });
  route('GET', '/v1/webhook_endpoints', ({ account }) => ({ object: 'list', data: sim.store.endpoints(account.id).map((e) => endpointView(e, false)), has_more: false, url: '/v1/webhook_endpoints' }));
  route('DELETE', '/v1/webhook_endpoints/:id', ({ account }, req) => {
    if (!sim.store.deleteEndpoint(account.id, idParam(req))) throw invalid(`No such webhook endpoint: '${idParam(req)}'`, 'id', 'resource_missing');
    return { id: idParam(req), object: 'webhook_endpoint', deleted: true };
  });
}

export function addEndpoint(sim: SimContext, accountId: string, url: string, events: string[], secret = `whsec_${newId('x', 32).slice(2)}`) {
  const row = { id: newId('we'), account_id: accountId, url, secret, enabled_events: JSON.stringify(events), created: Math.floor(sim.now() / 1000) };
  sim.store.insertEndpoint(row);
  return row;
}

/** Stripe returns the signing secret only when the endpoint is created. */
function endpointView(e: { id: string; url: string; secret: string; enabled_events: string; created: number }, withSecret: boolean): StripeObject {
  return { id: e.id, object: 'webhook_endpoint', url: e.url, enabled_events: JSON.parse(e.enabled_events) as string[], status: 'enabled', livemode: false, created: e.created, ...(withSecret ? { secret: e.secret } : {}) };
}

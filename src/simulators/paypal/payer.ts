// The buyer's side: PayPal's approval page (/checkoutnow?token=ORDER) with Approve, Decline
// and Cancel, redirecting to the order's return_url / cancel_url as PayPal does, and the
// JSON twin POST /_payer/pay for tests and the CLI. Outcome `instrument_declined` approves
// with a funding source the capture refuses with 422 INSTRUMENT_DECLINED; the order stays
// APPROVED and this page takes a new approval for it, as PayPal's restart flow does.
import type { FastifyInstance } from 'fastify';
import type { SimContext } from './context.js';
import { fromMinor } from './format.js';
import { approvable, approve } from './resources.js';
import type { OrderRow } from './store.js';
import { walletShell } from '../common/wallet-shell.js';

export type PayOutcome = 'success' | 'fail' | 'cancel' | 'instrument_declined';

const OUTCOMES: ReadonlySet<string> = new Set<PayOutcome>(['success', 'fail', 'cancel', 'instrument_declined']);
const isOutcome = (v: unknown): v is PayOutcome => typeof v === 'string' && OUTCOMES.has(v);
const OUTCOME_HELP = 'outcome must be success, fail, cancel or instrument_declined';


export class PayerError extends Error {
  constructor(readonly statusCode: number, readonly code: string, message: string) {
    super(message);
  }
}

const esc = (t: string): string => t.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Accepts the approve URL or the order id. */
export function resolveOrder(sim: SimContext, reference: string): OrderRow {
  const ref = reference.trim();
  let id = ref;
  if (/^https?:\/\//.test(ref)) id = new URL(ref).searchParams.get('token') ?? '';
  const o = sim.store.getOrder(id);
  if (!o) throw new PayerError(404, 'ORDER_NOT_FOUND', `no order matches "${ref.slice(0, 100)}" (approve URL or order id)`);
  return o;
}

function withParams(url: string, params: Record<string, string>): string {
  const u = new URL(url);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.toString();
}

/** Applies the buyer's choice; returns where PayPal would send the browser. */
export function decide(sim: SimContext, reference: string, outcome: PayOutcome): { order_id: string; status: string; redirect_url: string | null } {
  const o = resolveOrder(sim, reference);
  if (!approvable(o)) throw new PayerError(409, 'ORDER_NOT_OPEN', `order ${o.id} is ${o.status}`);
  if (outcome === 'cancel') {
    return { order_id: o.id, status: o.status, redirect_url: o.cancel_url ? withParams(o.cancel_url, { token: o.id }) : null };
  }
  const after = approve(sim, o, outcome === 'fail' ? 'declined' : outcome === 'instrument_declined' ? 'instrument_declined' : 'ok');
  return { order_id: after.id, status: after.status, redirect_url: after.return_url ? withParams(after.return_url, { token: after.id, PayerID: after.payer_id ?? '' }) : null };
}

const BRAND = { name: 'PayPal', color: '#003087', primary: { background: '#ffc439', text: '#111' } };

function page(_sim: SimContext, o: OrderRow | undefined): string {
  if (!o) return walletShell({ brand: BRAND, body: '<div class="card"><p class="err">Unknown or expired checkout link.</p></div>' });
  const amount = `${fromMinor(o.amount_minor, o.currency)} ${o.currency}`;
  const open = approvable(o);
  const body = `<div class="card">
  <p class="subject">${esc(o.description ?? '')}</p>
  <p class="amount">${esc(amount)}</p>
  <dl><dt>Order</dt><dd><code>${esc(o.id)}</code></dd><dt>Status</dt><dd id="status">${esc(o.status)}</dd></dl>
  ${open ? `<form method="post" action="checkoutnow/decide">
    <input type="hidden" name="token" value="${esc(o.id)}">
    <div class="actions">
      <button id="approve" class="primary" name="outcome" value="success">Approve</button>
      <button id="decline" class="secondary" name="outcome" value="fail">Decline (card declined at capture)</button>
      <button id="instrument-declined" class="secondary" name="outcome" value="instrument_declined">Approve with a card the capture declines (choose again)</button>
      <button id="cancel" class="tertiary" name="outcome" value="cancel">Cancel and return to merchant</button>
    </div>
  </form>` : ''}
</div>`;
  return walletShell({ brand: BRAND, body });
}

export function registerPayerRoutes(app: FastifyInstance, sim: SimContext): void {
  app.get<{ Querystring: { token?: string } }>('/checkoutnow', async (req, reply) => {
    const o = req.query.token ? sim.store.getOrder(req.query.token) : undefined;
    return reply.code(o ? 200 : 404).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page(sim, o));
  });

  app.post('/checkoutnow/decide', async (req, reply) => {
    const form = new URLSearchParams(typeof req.body === 'string' ? req.body : '');
    const outcome = form.get('outcome');
    try {
      if (!isOutcome(outcome)) throw new PayerError(400, 'INVALID_REQUEST', OUTCOME_HELP);
      const r = decide(sim, form.get('token') ?? '', outcome);
      if (r.redirect_url) return reply.redirect(r.redirect_url, 303);
      return reply.type('text/html; charset=utf-8').send(page(sim, sim.store.getOrder(r.order_id)));
    } catch (err) {
      if (!(err instanceof PayerError)) throw err;
      return reply.code(err.statusCode).type('text/plain').send(err.message);
    }
  });

  app.post('/_payer/pay', { bodyLimit: 16 * 1024 }, async (req, reply) => {
    const b = req.body as { reference?: unknown; outcome?: unknown } | undefined;
    const outcome = b?.outcome ?? 'success';
    try {
      if (typeof b?.reference !== 'string' || b.reference === '') throw new PayerError(400, 'INVALID_REQUEST', 'body must be {"reference": "<approve URL or order id>", "outcome": "success|fail|cancel|instrument_declined"}');
      if (!isOutcome(outcome)) throw new PayerError(400, 'INVALID_REQUEST', OUTCOME_HELP);
      return reply.send(decide(sim, b.reference, outcome));
    } catch (err) {
      if (!(err instanceof PayerError)) throw err;
      return reply.code(err.statusCode).send({ error: { code: err.code, message: err.message } });
    }
  });
}

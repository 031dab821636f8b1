// The buyer's side: scanning the QR code opens a sandbox wallet page with Pay / Fail; the
// same as JSON at POST /_payer/pay {reference: qrCode | token | orderId, outcome}.
import type { FastifyInstance } from 'fastify';
import { JSON_BODY_LIMIT, PayerError, sendPayerError, type PayOutcome } from '../common/payer.js';
import type { SimContext } from './context.js';
import { cstStamp } from './format.js';
import type { TxnRow } from './store.js';
import { escapeHtml, walletShell } from '../common/wallet-shell.js';

export { JSON_BODY_LIMIT, PayerError, type PayOutcome };

export interface PayerView {
  mer_id: string;
  order_id: string;
  txn_time: string;
  txn_amt: number;
  status: string;
  query_id: string | null;
  qr_code: string;
}

export function payerView(sim: SimContext, t: TxnRow): PayerView {
  return {
    mer_id: t.mer_id, order_id: t.order_id, txn_time: t.txn_time, txn_amt: t.txn_amt, status: t.status,
    query_id: t.status === 'open' || t.status === 'closed' ? null : t.query_id, qr_code: `${sim.publicBaseUrl()}/qr/${t.qr_token ?? ''}`,
  };
}

export function resolveConsume(sim: SimContext, reference: string): TxnRow {
  const ref = reference.trim();
  const token = /\/qr\/([0-9a-f]+)\/?$/.exec(ref)?.[1] ?? ref;
  const matches = sim.store.findConsumes(token);
  if (matches.length > 1) throw new PayerError(409, 'REFERENCE_AMBIGUOUS', `several merchants have an order "${ref}"; use the qrCode instead`);
  const [only] = matches;
  if (!only) throw new PayerError(404, 'ORDER_NOT_FOUND', `no QR order matches "${ref}" (qrCode, its token, or orderId)`);
  return only;
}

export function payOrder(sim: SimContext, reference: string, outcome: PayOutcome): PayerView {
  const consume = resolveConsume(sim, reference);
  if (consume.status !== 'open') throw new PayerError(409, 'ORDER_NOT_PAYABLE', `order ${consume.order_id} is ${consume.status}`);
  if (sim.txns.isExpired(consume)) throw new PayerError(410, 'ORDER_EXPIRED', `order ${consume.order_id} expired at ${cstStamp(consume.pay_timeout ?? 0)} (Beijing time)`);
  return payerView(sim, outcome === 'success' ? sim.txns.pay(consume) : sim.txns.fail(consume));
}

function parseBody(body: unknown): { reference: string; outcome: PayOutcome } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new PayerError(400, 'INVALID_REQUEST', 'body must be {"reference":"<qrCode>","outcome":"success"}');
  const { reference, outcome = 'success', ...rest } = body as Record<string, unknown>;
  if (Object.keys(rest).length > 0) throw new PayerError(400, 'INVALID_REQUEST', `unknown field(s) ${Object.keys(rest).join(', ')}; allowed: reference, outcome`);
  if (typeof reference !== 'string' || reference.trim() === '' || reference.length > 1024) throw new PayerError(400, 'INVALID_REQUEST', 'reference must be the qrCode, its token or the orderId');
  if (outcome !== 'success' && outcome !== 'fail') throw new PayerError(400, 'INVALID_REQUEST', 'outcome must be "success" or "fail"');
  return { reference, outcome };
}

const BRAND = { name: 'UnionPay 云闪付', color: '#c8000e' };

/** The page the qrCode opens: Pay / Fail call the payer API, then the page reloads to show the new status. */
function walletPage(view: PayerView | undefined): string {
  if (view === undefined) return walletShell({ brand: BRAND, body: '<div class="card"><p class="err">No such QR order.</p></div>' });
  const amount = `¥${Math.floor(view.txn_amt / 100)}.${String(view.txn_amt % 100).padStart(2, '0')}`;
  const body = `<div class="card">
  <p class="merchant">Merchant ${escapeHtml(view.mer_id)}</p>
  <p class="amount">${escapeHtml(amount)}</p>
  <dl><dt>Order</dt><dd>${escapeHtml(view.order_id)}</dd><dt>Status</dt><dd id="status">${escapeHtml(view.status)}</dd></dl>
  ${view.status === 'open' ? `<div class="actions"><button id="pay" class="primary" data-o="success">Pay</button><button id="fail" class="secondary" data-o="fail">Fail</button></div>` : ''}
  <p id="result" role="status"></p>
</div>`;
  const script = `for (const b of document.querySelectorAll('button[data-o]')) b.addEventListener('click', async () => {
    const res = await fetch('../_payer/pay', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reference: location.href, outcome: b.dataset.o }) });
    if (res.ok) return location.reload();
    const data = await res.json().catch(() => ({}));
    const out = document.getElementById('result');
    out.textContent = data.error ? data.error.message : 'Error ' + res.status;
    out.className = 'err';
  });`;
  return walletShell({ brand: BRAND, body, script });
}

export function registerPayerRoutes(app: FastifyInstance, sim: SimContext): void {
  app.get<{ Params: { token: string } }>('/qr/:token', async (req, reply) => {
    const found = sim.store.findConsumes(req.params.token).find((t) => t.qr_token === req.params.token);
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-store');
    return reply.code(found ? 200 : 404).send(walletPage(found && payerView(sim, found)));
  });
  app.post('/_payer/pay', { bodyLimit: JSON_BODY_LIMIT }, async (req, reply) => {
    try {
      const { reference, outcome } = parseBody(req.body);
      return reply.send(payOrder(sim, reference, outcome));
    } catch (err) {
      return sendPayerError(reply, err);
    }
  });
}

// The buyer's side of the sandbox: what scanning the QR code and confirming (or failing) in
// the WeChat app would do, as an HTML wallet page and as a JSON API for tests and the CLI.
import type { FastifyInstance } from 'fastify';
import { JSON_BODY_LIMIT, PayerError, parsePayerBody, sendPayerError, type PayOutcome } from '../common/payer.js';
import type { SimContext } from './context.js';
import { rfc3339, yuan } from './format.js';
import type { OrderRow } from './store.js';
import { qrWalletPage, walletShell } from '../common/wallet-shell.js';

export { JSON_BODY_LIMIT, PayerError, type PayOutcome };

export interface PayerOrder {
  mchid: string;
  out_trade_no: string;
  transaction_id: string | null;
  trade_state: OrderRow['state'];
  description: string;
  total: number;
  amount: string;
  time_expire: string;
  code_url: string;
  /** The page the code_url stands for in the sandbox (a browser cannot open weixin://). */
  pay_url: string;
}


export function payerView(sim: SimContext, o: OrderRow): PayerOrder {
  return {
    mchid: o.mchid, out_trade_no: o.out_trade_no, transaction_id: o.transaction_id, trade_state: o.state, description: o.description,
    total: o.total, amount: yuan(o.total), time_expire: rfc3339(o.expires_at),
    code_url: `weixin://wxpay/bizpayurl?pr=${o.code_token}`, pay_url: `${sim.publicBaseUrl()}/pay/${o.code_token}`,
  };
}

/** Accepts the code_url, the wallet page URL, the bare token, an out_trade_no or a transaction_id. */
export function resolveReference(sim: SimContext, reference: string): OrderRow {
  const ref = reference.trim();
  const token = /[?&]pr=([A-Za-z0-9]+)/.exec(ref)?.[1] ?? /\/pay\/([A-Za-z0-9]+)\/?(?:[?#].*)?$/.exec(ref)?.[1];
  const byToken = sim.store.getOrderByToken(token ?? ref);
  if (byToken) return byToken;
  if (token !== undefined) throw new PayerError(404, 'ORDER_NOT_EXIST', `no order has the code_url ${ref}`);
  const matches = sim.store.findOrders(ref);
  if (matches.length > 1) throw new PayerError(409, 'REFERENCE_AMBIGUOUS', `several merchants have an order "${ref}"; use the code_url instead`);
  const [only] = matches;
  if (!only) throw new PayerError(404, 'ORDER_NOT_EXIST', `no order matches "${ref}" (code_url, token, out_trade_no or transaction_id)`);
  return only;
}

/** Brings the order to USERPAYING, refusing what the real WeChat app would refuse. */
export function scanOrder(sim: SimContext, order: OrderRow): OrderRow {
  const o = sim.orders.expireIfDue(order);
  switch (o.state) {
    // A failed payment (PAYERROR) leaves the order open: the buyer scans again and tries another card.
    case 'NOTPAY':
    case 'PAYERROR': return sim.orders.scan(o);
    case 'USERPAYING': return o;
    case 'SUCCESS':
    case 'REFUND': throw new PayerError(409, 'ORDER_PAID', `order ${o.out_trade_no} is already paid`);
    case 'CLOSED': throw new PayerError(409, 'ORDER_CLOSED', `order ${o.out_trade_no} is closed${o.closed_at !== null && o.closed_at >= o.expires_at ? ' (expired)' : ''}`);
  }
}

export function payOrder(sim: SimContext, reference: string, outcome: PayOutcome): PayerOrder {
  const scanned = scanOrder(sim, resolveReference(sim, reference));
  return payerView(sim, outcome === 'success' ? sim.orders.pay(scanned) : sim.orders.fail(scanned));
}

export function scanReference(sim: SimContext, reference: string): PayerOrder {
  return payerView(sim, scanOrder(sim, resolveReference(sim, reference)));
}

// The wallet page the QR code opens (the same answers as the JSON payer API below).
const STATUS_TEXT: Record<PayerOrder['trade_state'], string> = {
  NOTPAY: 'Waiting for the buyer', USERPAYING: 'Scanned, waiting for confirmation', SUCCESS: 'Paid', PAYERROR: 'Payment failed', CLOSED: 'Closed', REFUND: 'Paid (refunded)',
};

const BRAND = { name: 'WeChat Pay 微信支付', color: '#057a3d' };

/** The page a code_url stands for in the sandbox. */
function renderWalletPage(order: PayerOrder | undefined): string {
  if (!order) return walletShell({ brand: BRAND, body: '<div class="card"><p class="err">Unknown or invalid payment code.</p></div>' });
  return qrWalletPage({
    brand: BRAND,
    merchant: `Merchant ${order.mchid}`,
    subject: order.description,
    amount: `¥${order.amount}`,
    order: order.out_trade_no,
    status: STATUS_TEXT[order.trade_state],
    expires: order.time_expire,
    reference: order.code_url,
    labels: STATUS_TEXT,
    statusField: 'trade_state',
    cancel: false,
  });
}

export function registerPayerRoutes(app: FastifyInstance, sim: SimContext, parseJson: (raw: string) => unknown): void {
  app.get<{ Params: { token: string } }>('/pay/:token', async (req, reply) => {
    const order = sim.store.getOrderByToken(req.params.token);
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-store');
    if (!order) return reply.code(404).send(renderWalletPage(undefined));
    return reply.send(renderWalletPage(payerView(sim, sim.orders.expireIfDue(order))));
  });

  for (const action of ['pay', 'scan'] as const) {
    app.post(`/_payer/${action}`, { bodyLimit: JSON_BODY_LIMIT }, async (req, reply) => {
      try {
        const { reference, outcome } = parsePayerBody(parseJson(sim.rawBody(req)), { allowOutcome: action === 'pay', example: 'code_url', referenceHelp: 'the code_url, its token, out_trade_no or transaction_id' });
        return reply.send(action === 'pay' ? payOrder(sim, reference, outcome) : scanReference(sim, reference));
      } catch (err) {
        return sendPayerError(reply, err);
      }
    });
  }
}

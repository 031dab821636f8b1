// The buyer's side of the sandbox: what scanning the QR code and tapping Pay / Fail in the
// Alipay app would do, as an HTML wallet page and as a JSON API for tests and the CLI.
import type { FastifyInstance } from 'fastify';
import { JSON_BODY_LIMIT, PayerError, parsePayerBody, sendPayerError, type PayOutcome } from '../common/payer.js';
import type { SimContext } from './context.js';
import { formatCst, formatYuan } from './format.js';
import type { TradeRow } from './store.js';
import { qrWalletPage, walletShell } from '../common/wallet-shell.js';

export { JSON_BODY_LIMIT, PayerError, type PayOutcome };

export interface PayerTrade {
  app_id: string;
  out_trade_no: string;
  trade_no: string | null;
  /** NOT_SCANNED: precreated, the buyer has not scanned yet (Alipay itself reports TRADE_NOT_EXIST). */
  trade_status: 'NOT_SCANNED' | 'WAIT_BUYER_PAY' | 'TRADE_SUCCESS' | 'TRADE_CLOSED';
  subject: string;
  total_amount: string;
  buyer_logon_id: string | null;
  send_pay_date: string | null;
  time_expire: string;
  qr_code: string;
}


export function payerView(sim: SimContext, t: TradeRow): PayerTrade {
  return {
    app_id: t.app_id,
    out_trade_no: t.out_trade_no,
    trade_no: t.trade_no,
    trade_status: t.status === 'UNSCANNED' ? 'NOT_SCANNED' : t.status === 'CLOSED_UNSCANNED' ? 'TRADE_CLOSED' : t.status,
    subject: t.subject,
    total_amount: formatYuan(t.total_fen),
    buyer_logon_id: t.buyer_logon_id,
    send_pay_date: t.paid_at !== null ? formatCst(t.paid_at) : null,
    time_expire: formatCst(t.expires_at),
    qr_code: `${sim.publicBaseUrl()}/qr/${t.qr_token}`,
  };
}

/** Accepts the qr_code URL, its token, an out_trade_no or a trade_no. */
export function resolveReference(sim: SimContext, reference: string): TradeRow {
  const ref = reference.trim();
  const fromUrl = /\/qr\/([A-Za-z0-9]+)\/?(?:[?#].*)?$/.exec(ref)?.[1];
  const byToken = sim.store.getTradeByToken(fromUrl ?? ref);
  if (byToken) return byToken;
  if (fromUrl !== undefined) throw new PayerError(404, 'TRADE_NOT_FOUND', `no trade has the QR code ${ref}`);
  const matches = sim.store.findTradesByReference(ref);
  if (matches.length > 1) {
    throw new PayerError(409, 'REFERENCE_AMBIGUOUS', `several apps have a trade "${ref}"; use the qr_code instead`);
  }
  const [only] = matches;
  if (!only) throw new PayerError(404, 'TRADE_NOT_FOUND', `no trade matches "${ref}" (qr_code, token, out_trade_no or trade_no)`);
  return only;
}

/** Brings the trade to WAIT_BUYER_PAY, refusing what a real wallet would refuse. */
export function scanTrade(sim: SimContext, trade: TradeRow, buyer?: string): TradeRow {
  const expired = () =>
    new PayerError(410, 'TRADE_EXPIRED', `trade ${trade.out_trade_no} expired at ${formatCst(trade.expires_at)} (GMT+8)`);
  switch (trade.status) {
    case 'UNSCANNED':
      if (sim.trades.isExpired(trade)) throw expired();
      return sim.trades.scan(trade, buyer);
    case 'WAIT_BUYER_PAY': {
      const t = sim.trades.expireIfDue(trade);
      if (t.status !== 'WAIT_BUYER_PAY') throw expired();
      return t;
    }
    case 'TRADE_SUCCESS':
      throw new PayerError(409, 'TRADE_ALREADY_PAID', `trade ${trade.out_trade_no} is already paid`);
    case 'TRADE_CLOSED':
    case 'CLOSED_UNSCANNED':
      throw new PayerError(409, 'TRADE_CLOSED', `trade ${trade.out_trade_no} is closed`);
  }
}

/**
 * A failed payment (balance too low, card refused in the app) does not close the trade: as in
 * Alipay, it stays WAIT_BUYER_PAY and the buyer may pay another way until it is closed or
 * expires. Alipay tells the merchant nothing about it; only the buyer's answer says why.
 */
export function payTrade(sim: SimContext, reference: string, outcome: PayOutcome, buyer?: string): PayerTrade & { declined?: { sub_code: string; sub_msg: string } } {
  const scanned = scanTrade(sim, resolveReference(sim, reference), buyer);
  if (outcome === 'fail') return { ...payerView(sim, scanned), declined: { sub_code: 'ACQ.BUYER_BALANCE_NOT_ENOUGH', sub_msg: '买家余额不足' } };
  return payerView(sim, sim.trades.pay(scanned));
}

export function scanReference(sim: SimContext, reference: string, buyer?: string): PayerTrade {
  return payerView(sim, scanTrade(sim, resolveReference(sim, reference), buyer));
}

// The wallet page the QR code opens (the same answers as the JSON payer API below).
const STATUS_TEXT: Record<PayerTrade['trade_status'], string> = {
  NOT_SCANNED: 'Waiting for the buyer',
  WAIT_BUYER_PAY: 'Scanned, waiting for payment',
  TRADE_SUCCESS: 'Paid',
  TRADE_CLOSED: 'Closed',
};

const BRAND = { name: 'Alipay 支付宝', color: '#0e5fd8' };

/**
 * The page the QR code opens. "Cancel" scans without paying: the trade stays WAIT_BUYER_PAY,
 * as when a real buyer backs out in the app.
 */
function renderWalletPage(trade: PayerTrade | undefined, expired: boolean): string {
  if (!trade) return walletShell({ brand: BRAND, body: '<div class="card"><p class="err">Unknown or invalid QR code.</p></div>' });
  return qrWalletPage({
    brand: BRAND,
    merchant: `Pay to merchant app ${trade.app_id}`,
    subject: trade.subject,
    amount: `¥${trade.total_amount}`,
    order: trade.out_trade_no,
    status: expired && trade.trade_status !== 'TRADE_SUCCESS' ? 'Expired' : STATUS_TEXT[trade.trade_status],
    expires: `${trade.time_expire} (GMT+8)`,
    reference: trade.qr_code,
    labels: STATUS_TEXT,
    statusField: 'trade_status',
    cancel: true,
  });
}

const BODY_HELP = { example: 'qr_code', referenceHelp: 'the qr_code URL, its token, out_trade_no or trade_no' };

export function registerPayerRoutes(app: FastifyInstance, sim: SimContext): void {
  app.get<{ Params: { token: string } }>('/qr/:token', async (req, reply) => {
    const trade = sim.store.getTradeByToken(req.params.token);
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-store');
    if (!trade) return reply.code(404).send(renderWalletPage(undefined, false));
    const t = sim.trades.expireIfDue(trade);
    return reply.send(renderWalletPage(payerView(sim, t), sim.trades.isExpired(t)));
  });

  app.post('/_payer/pay', { bodyLimit: JSON_BODY_LIMIT }, async (req, reply) => {
    try {
      const { reference, outcome, buyer } = parsePayerBody(req.body, { allowOutcome: true, allowBuyer: true, ...BODY_HELP });
      return reply.send(payTrade(sim, reference, outcome, buyer));
    } catch (err) {
      return sendPayerError(reply, err);
    }
  });

  app.post('/_payer/scan', { bodyLimit: JSON_BODY_LIMIT }, async (req, reply) => {
    try {
      const { reference, buyer } = parsePayerBody(req.body, { allowOutcome: false, allowBuyer: true, ...BODY_HELP });
      return reply.send(scanReference(sim, reference, buyer));
    } catch (err) {
      return sendPayerError(reply, err);
    }
  });
}

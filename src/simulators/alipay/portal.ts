// The merchant's side of the sandbox outside the API: a refund made in Alipay's merchant
// portal (商家中心 → 交易管理 → 退款). Alipay picks the refund's out_request_no itself and
// reports it like any refund: a trade_status_sync notification with out_biz_no, gmt_refund
// and refund_fee (the total refunded), TRADE_CLOSED once everything is refunded; the refund
// query by that out_request_no answers as for an API refund.
import type { FastifyInstance } from 'fastify';
import type { SimContext } from './context.js';
import { formatYuan, parseYuan } from './format.js';
import { randomDigits } from './ids.js';
import { JSON_BODY_LIMIT, PayerError, resolveReference } from './payer.js';

export interface PortalRefund {
  out_trade_no: string;
  trade_no: string | null;
  /** Chosen by Alipay for a portal refund: what notifications name as out_biz_no. */
  out_request_no: string;
  refund_amount: string;
  refund_fee: string;
  trade_status: string;
}

/** Same as POST /_merchant/refund. Throws PayerError (404 unknown trade, 409 not refundable, 400 bad amount). */
export function portalRefund(sim: SimContext, reference: string, refundAmount: string, reason?: string): PortalRefund {
  const fen = parseYuan(refundAmount);
  if (fen === null || fen <= 0) throw new PayerError(400, 'INVALID_REQUEST', 'refund_amount must be a yuan amount like "10.00", above zero');
  const trade = resolveReference(sim, reference);
  if (trade.status !== 'TRADE_SUCCESS') throw new PayerError(409, 'TRADE_STATUS_ERROR', `trade ${trade.out_trade_no} is ${trade.status}; only a paid trade can be refunded`);
  if (trade.refunded_fen + fen > trade.total_fen) {
    throw new PayerError(409, 'REFUND_AMT_NOT_EQUAL_TOTAL', `only ${formatYuan(trade.total_fen - trade.refunded_fen)} of ${formatYuan(trade.total_fen)} is left to refund`);
  }
  const outRequestNo = `HZ01RF${randomDigits(20)}`;
  const done = sim.trades.refund(trade, outRequestNo, fen, reason ?? null);
  return {
    out_trade_no: done.trade.out_trade_no,
    trade_no: done.trade.trade_no,
    out_request_no: outRequestNo,
    refund_amount: formatYuan(fen),
    refund_fee: formatYuan(done.trade.refunded_fen),
    trade_status: done.trade.status,
  };
}

export function registerPortalRoutes(app: FastifyInstance, sim: SimContext): void {
  app.post('/_merchant/refund', { bodyLimit: JSON_BODY_LIMIT }, async (req, reply) => {
    try {
      const body = req.body as Record<string, unknown> | null | undefined;
      const reference = body?.reference;
      const amount = body?.refund_amount;
      const reason = body?.refund_reason;
      if (typeof reference !== 'string' || typeof amount !== 'string' || (reason !== undefined && typeof reason !== 'string')) {
        throw new PayerError(400, 'INVALID_REQUEST', 'body must be {"reference": "<out_trade_no | trade_no | qr_code>", "refund_amount": "10.00", "refund_reason"?: "..."}');
      }
      return reply.send(portalRefund(sim, reference, amount, reason));
    } catch (err) {
      if (err instanceof PayerError) return reply.code(err.statusCode).send({ error: { code: err.code, message: err.message } });
      throw err;
    }
  });
}

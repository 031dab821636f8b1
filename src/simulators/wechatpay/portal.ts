// The merchant portal (商户平台, pay.weixin.qq.com) in the sandbox: an operator refunding an order
// by hand, outside the merchant's API calls. Like a refund through the API, it is PROCESSING for
// a while, then SUCCESS with a REFUND.SUCCESS notification — but its out_refund_no is chosen by
// WeChat Pay (digits), not by the merchant's system. The notification goes to the order's
// notify_url (a portal refund names none of its own; merchants receive them where their
// payment notifications go). Unauthenticated like /_payer: a sandbox has no portal login.
//
//   POST /_portal/refunds {mchid, out_trade_no | transaction_id, amount: fen, reason?} → the refund (as the refund API shows it)
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { SimContext } from './context.js';
import { newRefundId } from './ids.js';
import { refundView } from './orders.js';

export class PortalError extends Error {
  constructor(readonly statusCode: number, readonly code: string, message: string) {
    super(message);
  }
}

type Body = Record<string, unknown>;
const text = (b: Body, k: string): string | undefined => (typeof b[k] === 'string' && b[k] !== '' ? b[k] : undefined);

/** Refunds `amount` fen of a paid order as the portal does. */
export function portalRefund(sim: SimContext, body: unknown) {
  const b: Body = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Body) : {};
  const mchid = text(b, 'mchid');
  const outTradeNo = text(b, 'out_trade_no');
  const transactionId = text(b, 'transaction_id');
  const amount = b.amount;
  if (!mchid || (!outTradeNo && !transactionId)) throw new PortalError(400, 'PARAM_ERROR', 'body must be {"mchid", "out_trade_no" or "transaction_id", "amount": fen, "reason"?}');
  if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount < 1) throw new PortalError(400, 'PARAM_ERROR', 'amount must be a positive integer number of fen');
  const order = outTradeNo ? sim.store.getOrderByOutTradeNo(mchid, outTradeNo) : sim.store.findOrders(transactionId ?? '').find((o) => o.mchid === mchid && o.transaction_id === transactionId);
  if (!order) throw new PortalError(404, 'ORDER_NOT_EXIST', '订单不存在');
  if (order.state !== 'SUCCESS' && order.state !== 'REFUND') throw new PortalError(400, 'INVALID_REQUEST', '订单未支付，不能退款');
  return sim.store.transaction(() => {
    if (amount > order.total - sim.store.reservedRefunds(order.id)) throw new PortalError(400, 'INVALID_REQUEST', '申请退款金额超过订单可退金额');
    const now = sim.now();
    const reason = text(b, 'reason')?.slice(0, 80) ?? null;
    // WeChat Pay numbers portal refunds itself; the merchant's system never sees this number before the notification.
    return refundView(sim.orders.refund(order, newRefundId(now), amount, reason, order.notify_url), order);
  });
}

export function registerPortalRoutes(app: FastifyInstance, sim: SimContext, parseJson: (req: FastifyRequest) => unknown): void {
  app.post('/_portal/refunds', async (req, reply) => {
    try {
      return reply.send(portalRefund(sim, parseJson(req)));
    } catch (err) {
      if (!(err instanceof PortalError)) throw err;
      return reply.code(err.statusCode).send({ code: err.code, message: err.message });
    }
  });
}

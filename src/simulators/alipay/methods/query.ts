import { formatCst, formatYuan } from '../format.js';
import { bizFail, existingTrade, lookupTrade, success, type MethodHandler } from './common.js';

export const query: MethodHandler = (ctx) => {
  const { trade: found, outTradeNo } = lookupTrade(ctx);
  const trade = existingTrade(ctx, found);
  if (!trade) {
    // Before the buyer scans, the trade does not exist at Alipay: clients must treat this as "waiting".
    throw bizFail('ACQ.TRADE_NOT_EXIST', '交易不存在', {
      out_trade_no: outTradeNo,
      buyer_pay_amount: '0.00',
      invoice_amount: '0.00',
      point_amount: '0.00',
      receipt_amount: '0.00',
    });
  }
  const paid = trade.paid_at !== null ? formatYuan(trade.total_fen) : '0.00';
  return success({
    buyer_logon_id: trade.buyer_logon_id ?? undefined,
    buyer_pay_amount: paid,
    buyer_user_id: trade.buyer_id ?? undefined,
    invoice_amount: paid,
    out_trade_no: trade.out_trade_no,
    point_amount: '0.00',
    receipt_amount: paid,
    send_pay_date: trade.paid_at !== null ? formatCst(trade.paid_at) : undefined,
    total_amount: formatYuan(trade.total_fen),
    trade_no: trade.trade_no ?? undefined,
    trade_status: trade.status,
  });
};

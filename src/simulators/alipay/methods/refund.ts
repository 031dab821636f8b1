import { formatCst, formatYuan } from '../format.js';
import type { RefundRow, TradeRow } from '../store.js';
import { bizFail, existingTrade, invalidParam, lookupTrade, success, tradeNotExist, type MethodHandler } from './common.js';

function refundAnswer(trade: TradeRow, refund: RefundRow, fundChange: 'Y' | 'N') {
  return success({
    buyer_logon_id: trade.buyer_logon_id ?? undefined,
    buyer_user_id: trade.buyer_id ?? undefined,
    fund_change: fundChange,
    gmt_refund_pay: formatCst(refund.created_at),
    out_trade_no: trade.out_trade_no,
    refund_fee: formatYuan(trade.refunded_fen),
    send_back_fee: formatYuan(refund.amount_fen),
    trade_no: trade.trade_no ?? undefined,
  });
}

export const refund: MethodHandler = (ctx) => {
  const { biz, sim } = ctx;
  const { trade: found, outTradeNo } = lookupTrade(ctx);
  const amount = biz.amount('refund_amount', { required: true });
  const requestNo = biz.str('out_request_no', { max: 64 });
  const reason = biz.str('refund_reason', { max: 256 }) ?? null;
  const trade = existingTrade(ctx, found);
  if (!trade) throw tradeNotExist(outTradeNo);
  // Without out_request_no Alipay keys the refund by out_trade_no (so only one such refund).
  const outRequestNo = requestNo ?? trade.out_trade_no;

  const prior = sim.store.getRefund(trade.id, outRequestNo);
  if (prior) {
    // Idempotent replay: same answer, but no money moves this time.
    if (prior.amount_fen !== amount) {
      throw bizFail('ACQ.CONTEXT_INCONSISTENT', `交易信息被篡改: out_request_no ${outRequestNo} 已用于 ${formatYuan(prior.amount_fen)} 元的退款`);
    }
    return refundAnswer(trade, prior, 'N');
  }
  if (trade.status !== 'TRADE_SUCCESS') throw bizFail('ACQ.TRADE_STATUS_ERROR', '交易状态不合法');
  if (trade.refunded_fen + amount > trade.total_fen) throw bizFail('ACQ.REFUND_AMT_NOT_EQUAL_TOTAL', '退款金额超限');
  const done = sim.trades.refund(trade, outRequestNo, amount, reason);
  return refundAnswer(done.trade, done.refund, 'Y');
};

export const refundQuery: MethodHandler = (ctx) => {
  const { biz, sim } = ctx;
  const { trade: found, outTradeNo } = lookupTrade(ctx);
  const requestNo = biz.str('out_request_no', { max: 64 });
  const options = biz.list('query_options');
  if (options.some((o) => typeof o !== 'string')) throw invalidParam('query_options 必须是字符串数组');
  const trade = existingTrade(ctx, found);
  if (!trade) throw tradeNotExist(outTradeNo);
  const r = sim.store.getRefund(trade.id, requestNo ?? trade.out_trade_no);
  // An unknown out_request_no is not an error: the refund simply did not happen.
  if (!r) return success({});
  return success({
    gmt_refund_pay: options.includes('gmt_refund_pay') ? formatCst(r.created_at) : undefined,
    out_request_no: r.out_request_no,
    out_trade_no: trade.out_trade_no,
    refund_amount: formatYuan(r.amount_fen),
    refund_status: 'REFUND_SUCCESS',
    total_amount: formatYuan(trade.total_fen),
    trade_no: trade.trade_no ?? undefined,
  });
};

import { formatCst } from '../format.js';
import { bizFail, lookupTrade, success, tradeNotExist, type MethodHandler } from './common.js';

/** Marker out_request_no for the refund a cancel makes; not something a merchant would send. */
export const CANCEL_REFUND_REQUEST_NO = '__alipay_cancel__';

export const close: MethodHandler = (ctx) => {
  const { trade: found, outTradeNo } = lookupTrade(ctx);
  if (!found || found.status === 'CLOSED_UNSCANNED') throw tradeNotExist(outTradeNo);
  if (found.status === 'UNSCANNED') {
    // Alipay answers "does not exist", yet the buyer must not be able to pay it afterwards.
    ctx.sim.trades.closeUnscanned(found);
    throw tradeNotExist(outTradeNo);
  }
  const trade = ctx.sim.trades.expireIfDue(found);
  if (trade.status !== 'WAIT_BUYER_PAY') throw bizFail('ACQ.TRADE_STATUS_ERROR', '交易状态不合法');
  const closed = ctx.sim.trades.closeWaiting(trade);
  return success({ out_trade_no: closed.out_trade_no, trade_no: closed.trade_no ?? undefined });
};

/** Closes an unpaid trade, or refunds what is left of a paid one. */
export const cancel: MethodHandler = (ctx) => {
  const { trade: found, outTradeNo } = lookupTrade(ctx);
  if (!found) throw tradeNotExist(outTradeNo);
  const { trades } = ctx.sim;
  const answer = (action: 'close' | 'refund', extra: Record<string, string | undefined> = {}) =>
    success({ action, out_trade_no: found.out_trade_no, retry_flag: 'N', ...extra });

  if (found.status === 'UNSCANNED') {
    trades.closeUnscanned(found);
    return answer('close');
  }
  if (found.status === 'CLOSED_UNSCANNED') return answer('close');
  const trade = trades.expireIfDue(found);
  const tradeNo = trade.trade_no ?? undefined;
  switch (trade.status) {
    case 'WAIT_BUYER_PAY':
      trades.closeWaiting(trade);
      return answer('close', { trade_no: tradeNo });
    case 'TRADE_SUCCESS': {
      const { refund } = trades.refund(trade, CANCEL_REFUND_REQUEST_NO, trade.total_fen - trade.refunded_fen, 'cancel');
      return answer('refund', { trade_no: tradeNo, gmt_refund_pay: formatCst(refund.created_at) });
    }
    default:
      // TRADE_CLOSED: cancelling again is a no-op that reports what happened the first time.
      return answer(trade.paid_at !== null ? 'refund' : 'close', { trade_no: tradeNo });
  }
};

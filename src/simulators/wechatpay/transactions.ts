// Native payment and refund endpoints (/v3/pay/transactions/*, /v3/refund/domestic/refunds).
import type { FastifyRequest } from 'fastify';
import type { Answer, Call } from './api.js';
import { paramError, WxError } from './api.js';
import type { SimContext } from './context.js';
import { parseRfc3339 } from './format.js';
import { newCodeToken } from './ids.js';
import { refundView, transactionView } from './orders.js';
import type { OrderRow } from './store.js';

const OUT_TRADE_NO = /^[A-Za-z0-9_\-|*]{6,32}$/;
const OUT_REFUND_NO = /^[A-Za-z0-9_\-|*@]{1,64}$/;
/** Without time_expire a Native order stays payable for 2 hours. */
const DEFAULT_EXPIRY_MS = 2 * 3600_000;

function str(body: Record<string, unknown>, key: string, max: number, required = true): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) {
    if (required) throw paramError(`输入源"/body/${key}"映射到字段"${key}"必填性规则校验失败，此字段为必填项`);
    return undefined;
  }
  if (typeof v !== 'string' || v.length === 0 || Array.from(v).length > max) throw paramError(`字段 ${key} 必须是长度 1..${max} 的字符串`);
  return v;
}

function fen(node: unknown, key: string, required = true): number | undefined {
  const v = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined;
  if (v === undefined && !required) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1 || v > 2_147_483_647) throw paramError(`amount.${key} 必须是正整数（单位：分）`);
  return v;
}

function currencyOf(node: unknown): string {
  const v = typeof node === 'object' && node !== null ? (node as Record<string, unknown>).currency : undefined;
  if (v !== undefined && v !== 'CNY') throw paramError('amount.currency 仅支持 CNY');
  return 'CNY';
}

function notifyUrl(body: Record<string, unknown>, required: boolean): string | undefined {
  const v = str(body, 'notify_url', 256, required);
  if (v === undefined) return undefined;
  try {
    const u = new URL(v);
    if (u.protocol === 'http:' || u.protocol === 'https:') return v;
  } catch {
    // fall through
  }
  throw paramError(`notify_url 必须是 http(s) 地址: ${v}`);
}

const codeUrl = (o: OrderRow): string => `weixin://wxpay/bizpayurl?pr=${o.code_token}`;

function findOrder(sim: SimContext, mchid: string, outTradeNo: string): OrderRow {
  const o = sim.store.getOrderByOutTradeNo(mchid, outTradeNo);
  if (!o) throw new WxError(404, 'ORDER_NOT_EXIST', '订单不存在');
  return sim.orders.expireIfDue(o);
}

function queryMchid(req: FastifyRequest, merchantId: string): void {
  const q = req.query as Record<string, unknown>;
  if (q.mchid !== merchantId) throw paramError(`查询参数 mchid 必须是发起请求的商户号 ${merchantId}`);
}

export function native(sim: SimContext, { merchant, body }: Call): Answer {
  const mchid = str(body, 'mchid', 32) ?? '';
  const appid = str(body, 'appid', 32) ?? '';
  if (mchid !== merchant.mchid) throw paramError(`body 中的 mchid ${mchid} 与 Authorization 中的商户号不一致`);
  if (appid !== merchant.appid) throw new WxError(400, 'APPID_MCHID_NOT_MATCH', 'AppID和mch_id不匹配');
  const description = str(body, 'description', 127) ?? '';
  const outTradeNo = str(body, 'out_trade_no', 32) ?? '';
  if (!OUT_TRADE_NO.test(outTradeNo)) throw paramError('out_trade_no 只能是 6..32 位数字、大小写字母_-|*');
  const url = notifyUrl(body, true) ?? '';
  const total = fen(body.amount, 'total') ?? 0;
  const currency = currencyOf(body.amount);
  const attach = str(body, 'attach', 128, false) ?? null;
  const timeExpire = str(body, 'time_expire', 64, false);
  const now = sim.now();
  let expiresAt = now + DEFAULT_EXPIRY_MS;
  if (timeExpire !== undefined) {
    const parsed = parseRfc3339(timeExpire);
    if (parsed === null) throw paramError(`time_expire 格式错误，应为 RFC 3339，如 2018-06-08T10:34:56+08:00: ${timeExpire}`);
    expiresAt = parsed;
  }
  const existing = sim.store.getOrderByOutTradeNo(mchid, outTradeNo);
  if (existing) {
    const o = sim.orders.expireIfDue(existing);
    if (o.state === 'SUCCESS' || o.state === 'REFUND') throw new WxError(400, 'ORDERPAID', '该订单已支付');
    if (o.state === 'CLOSED') throw new WxError(400, 'ORDER_CLOSED', '订单已关闭');
    // A repeat with the same parameters gets the same code_url; anything else is a clash.
    if (o.total !== total || o.description !== description) throw new WxError(400, 'INVALID_REQUEST', '201 商户订单号重复');
    return { status: 200, body: { code_url: codeUrl(o) } };
  }
  if (expiresAt <= now) throw paramError('time_expire 已过期');
  const o = sim.store.insertOrder({
    mchid, appid, out_trade_no: outTradeNo, code_token: newCodeToken(), transaction_id: null, description, attach, total, currency,
    state: 'NOTPAY', notify_url: url, openid: null, created_at: now, expires_at: expiresAt, scanned_at: null, paid_at: null, closed_at: null, refunded: 0,
  });
  return { status: 200, body: { code_url: codeUrl(o) } };
}

export function queryByOutTradeNo(sim: SimContext, { merchant, req }: Call): Answer {
  queryMchid(req, merchant.mchid);
  const { out_trade_no } = req.params as { out_trade_no: string };
  return { status: 200, body: transactionView(findOrder(sim, merchant.mchid, out_trade_no)) };
}

export function queryById(sim: SimContext, { merchant, req }: Call): Answer {
  queryMchid(req, merchant.mchid);
  const { transaction_id } = req.params as { transaction_id: string };
  const o = sim.store.findOrders(transaction_id).find((x) => x.mchid === merchant.mchid && x.transaction_id === transaction_id);
  if (!o) throw new WxError(404, 'ORDER_NOT_EXIST', '订单不存在');
  return { status: 200, body: transactionView(o) };
}

export function close(sim: SimContext, { merchant, req, body }: Call): Answer {
  if (str(body, 'mchid', 32) !== merchant.mchid) throw paramError('body 中的 mchid 与 Authorization 中的商户号不一致');
  const { out_trade_no } = req.params as { out_trade_no: string };
  const o = findOrder(sim, merchant.mchid, out_trade_no);
  if (o.state === 'SUCCESS' || o.state === 'REFUND') throw new WxError(400, 'ORDERPAID', '订单已支付，不能关单');
  if (o.state !== 'CLOSED') sim.orders.close(o);
  return { status: 204 };
}

export function refund(sim: SimContext, { merchant, body }: Call): Answer {
  const outTradeNo = str(body, 'out_trade_no', 32, false);
  const transactionId = str(body, 'transaction_id', 32, false);
  if (outTradeNo === undefined && transactionId === undefined) throw paramError('out_trade_no 和 transaction_id 必须二选一');
  const outRefundNo = str(body, 'out_refund_no', 64) ?? '';
  if (!OUT_REFUND_NO.test(outRefundNo)) throw paramError('out_refund_no 只能是数字、大小写字母_-|*@');
  const reason = str(body, 'reason', 80, false) ?? null;
  const url = notifyUrl(body, false) ?? null;
  const amount = fen(body.amount, 'refund') ?? 0;
  const total = fen(body.amount, 'total') ?? 0;
  currencyOf(body.amount);
  const order = outTradeNo !== undefined
    ? sim.store.getOrderByOutTradeNo(merchant.mchid, outTradeNo)
    : sim.store.findOrders(transactionId ?? '').find((x) => x.mchid === merchant.mchid && x.transaction_id === transactionId);
  if (!order) throw new WxError(404, 'RESOURCE_NOT_EXISTS', '订单不存在');
  if (transactionId !== undefined && order.transaction_id !== transactionId) throw paramError('transaction_id 与 out_trade_no 不匹配');
  const existing = sim.store.getRefund(merchant.mchid, outRefundNo);
  if (existing) {
    // Same out_refund_no, same request: the same refund, never a second one.
    if (existing.order_id !== order.id || existing.amount !== amount) throw new WxError(400, 'INVALID_REQUEST', '订单金额或退款金额与之前请求不一致，请核实后再试');
    return { status: 200, body: refundView(existing, order) };
  }
  if (order.state !== 'SUCCESS' && order.state !== 'REFUND') throw new WxError(400, 'INVALID_REQUEST', '订单未支付，不能退款');
  if (total !== order.total) throw new WxError(400, 'INVALID_REQUEST', `amount.total ${total} 与订单金额 ${order.total} 不一致`);
  return sim.store.transaction(() => {
    if (amount > order.total - sim.store.reservedRefunds(order.id)) throw new WxError(400, 'INVALID_REQUEST', '申请退款金额超过订单可退金额');
    return { status: 200, body: refundView(sim.orders.refund(order, outRefundNo, amount, reason, url), order) };
  });
}

export function refundQuery(sim: SimContext, { merchant, req }: Call): Answer {
  const { out_refund_no } = req.params as { out_refund_no: string };
  const r = sim.store.getRefund(merchant.mchid, out_refund_no);
  const order = r ? sim.store.getOrder(r.order_id) : undefined;
  if (!r || !order) throw new WxError(404, 'RESOURCE_NOT_EXISTS', '退款单不存在');
  return { status: 200, body: refundView(r, order) };
}

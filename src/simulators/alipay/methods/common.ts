import type { SimContext } from '../context.js';
import { MAX_AMOUNT_FEN, MIN_AMOUNT_FEN, parseYuan } from '../format.js';
import type { AppRow, TradeRow } from '../store.js';

/** A `*_response` node: Alipay sends every value as a string. */
export type ResponseNode = Record<string, string>;

export interface MethodContext {
  sim: SimContext;
  app: AppRow;
  params: Readonly<Record<string, string>>;
  biz: Biz;
}

export type MethodHandler = (ctx: MethodContext) => ResponseNode;

/** An Alipay-level failure; rendered as a signed response node, HTTP 200 like the real gateway. */
export class AlipayError extends Error {
  constructor(
    readonly code: string,
    readonly msg: string,
    readonly subCode: string,
    readonly subMsg: string,
    readonly extra: Record<string, string | undefined> = {},
  ) {
    super(`${code} ${subCode}: ${subMsg}`);
  }

  node(): ResponseNode {
    return { code: this.code, msg: this.msg, sub_code: this.subCode, sub_msg: this.subMsg, ...sortedDefined(this.extra) };
  }
}

export const missingArg = (subCode: string, subMsg: string) =>
  new AlipayError('40001', 'Missing Required Arguments', subCode, subMsg);
export const invalidArg = (subCode: string, subMsg: string) =>
  new AlipayError('40002', 'Invalid Arguments', subCode, subMsg);
export const bizFail = (subCode: string, subMsg: string, extra?: Record<string, string | undefined>) =>
  new AlipayError('40004', 'Business Failed', subCode, subMsg, extra);
export const unavailable = () =>
  new AlipayError('20000', 'Service Currently Unavailable', 'isp.unknow-error', '系统繁忙');
export const invalidParam = (message: string) => bizFail('ACQ.INVALID_PARAMETER', `参数无效: ${message}`);

function sortedDefined(fields: Record<string, string | undefined>): ResponseNode {
  const out: ResponseNode = {};
  for (const k of Object.keys(fields).sort()) {
    const v = fields[k];
    if (v !== undefined && v !== '') out[k] = v;
  }
  return out;
}

/** code/msg first, then the remaining fields alphabetically, as Alipay orders them. */
export function success(fields: Record<string, string | undefined>): ResponseNode {
  return { code: '10000', msg: 'Success', ...sortedDefined(fields) };
}

/** Typed access to biz_content with Alipay-style errors on bad input. */
export class Biz {
  constructor(private readonly obj: Readonly<Record<string, unknown>>) {}

  str(key: string, opts: { required?: boolean; max?: number } = {}): string | undefined {
    const v = this.obj[key];
    if (v === undefined || v === null || v === '') {
      if (opts.required) throw invalidParam(`缺少必选参数 ${key}`);
      return undefined;
    }
    // Java-side Alipay coerces JSON numbers into its String fields; do the same.
    const s = typeof v === 'string' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined;
    if (s === undefined) throw invalidParam(`${key} 必须是字符串`);
    if (opts.max !== undefined && [...s].length > opts.max) throw invalidParam(`${key} 长度不能超过 ${opts.max}`);
    return s;
  }

  list(key: string): unknown[] {
    const v = this.obj[key];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) throw invalidParam(`${key} 必须是数组`);
    return v;
  }

  required(key: string, max?: number): string {
    return this.str(key, { required: true, max }) as string;
  }

  /** A yuan amount within Alipay's 0.01..100000000 range, returned in fen. */
  amount(key: string, opts: { required: true }): number;
  amount(key: string, opts?: { required?: boolean }): number | undefined;
  amount(key: string, opts: { required?: boolean } = {}): number | undefined {
    const s = this.str(key, opts);
    if (s === undefined) return undefined;
    const fen = parseYuan(s);
    if (fen === null || fen < MIN_AMOUNT_FEN || fen > MAX_AMOUNT_FEN) {
      throw invalidParam(`${key} 金额格式错误: "${s}"，应为 0.01~100000000 之间、最多两位小数的数字`);
    }
    return fen;
  }
}

const OUT_TRADE_NO_RE = /^[\x21-\x7e]{1,64}$/;

/** trade_no wins over out_trade_no when both are given, as at Alipay. */
export function lookupTrade(ctx: MethodContext): { trade: TradeRow | undefined; outTradeNo?: string; tradeNo?: string } {
  const tradeNo = ctx.biz.str('trade_no', { max: 64 });
  const outTradeNo = ctx.biz.str('out_trade_no', { max: 64 });
  if (tradeNo === undefined && outTradeNo === undefined) throw invalidParam('out_trade_no 和 trade_no 不能同时为空');
  if (outTradeNo !== undefined && !OUT_TRADE_NO_RE.test(outTradeNo)) throw invalidParam('out_trade_no 含非法字符');
  const trade = tradeNo !== undefined
    ? ctx.sim.store.getTradeByTradeNo(ctx.app.app_id, tradeNo)
    : ctx.sim.store.getTradeByOutTradeNo(ctx.app.app_id, outTradeNo as string);
  return { trade, outTradeNo, tradeNo };
}

export function validOutTradeNo(value: string): boolean {
  return OUT_TRADE_NO_RE.test(value);
}

/** What a trade looks like from the merchant's side: unscanned ones do not exist yet. */
export function existingTrade(ctx: MethodContext, trade: TradeRow | undefined): TradeRow | undefined {
  if (!trade || trade.status === 'UNSCANNED' || trade.status === 'CLOSED_UNSCANNED') return undefined;
  return ctx.sim.trades.expireIfDue(trade);
}

export const tradeNotExist = (outTradeNo?: string) =>
  bizFail('ACQ.TRADE_NOT_EXIST', '交易不存在', { out_trade_no: outTradeNo });

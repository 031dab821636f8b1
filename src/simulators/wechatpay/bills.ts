// Trade bills as WeChat Pay serves them: GET /v3/bill/tradebill answers (signed) with a SHA1
// and a download_url; the download (a signed GET) returns the file itself, unsigned.
// The file: UTF-8 with BOM, every data cell prefixed with a backtick, a summary at the end.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authenticate, send, WxError } from './api.js';
import type { SimContext } from './context.js';
import { cstDateTime, DAY_MS, parseCstDate, yuan } from './format.js';
import type { MerchantRow } from './store.js';

/** download_url lifetime (WeChat Pay: 30 s). */
export const BILL_URL_TTL_MS = 30_000;
const FEE_RATE_PER_MILLE = 6;

export const BILL_COLUMNS = [
  '交易时间', '公众账号ID', '商户号', '特约商户号', '设备号', '微信订单号', '商户订单号', '用户标识', '交易类型', '交易状态', '付款银行',
  '货币种类', '应结订单金额', '代金券金额', '微信退款单号', '商户退款单号', '退款金额', '充值券退款金额', '退款类型', '退款状态',
  '商品名称', '商户数据包', '手续费', '费率', '订单金额', '申请退款金额', '费率备注',
] as const;
export const SUMMARY_COLUMNS = ['总交易单数', '应结订单总金额', '退款总金额', '充值券退款总金额', '手续费总金额', '订单总金额', '申请退款总金额'] as const;

type BillType = 'ALL' | 'SUCCESS' | 'REFUND';

// Half-up on integer fen: fee = round(amount × 0.6%).
const fee = (fen: number): number => Math.floor((fen * FEE_RATE_PER_MILLE + 500) / 1000);
const line = (cells: readonly string[]): string => cells.map((c) => `\`${c}`).join(',');

export function buildTradeBill(sim: SimContext, m: MerchantRow, date: string, type: BillType): string {
  const from = parseCstDate(date);
  if (from === null) throw new Error(`bad bill date ${date}`);
  const to = from + DAY_MS;
  const rows: string[] = [];
  let count = 0, settled = 0, refunded = 0, fees = 0;
  if (type !== 'REFUND') {
    for (const o of sim.store.listOrdersPaidBetween(m.mchid, from, to)) {
      count++; settled += o.total; fees += fee(o.total);
      rows.push(line([
        cstDateTime(o.paid_at ?? o.created_at), o.appid, o.mchid, '0', '', o.transaction_id ?? '', o.out_trade_no, o.openid ?? '', 'NATIVE',
        'SUCCESS', 'OTHERS', 'CNY', yuan(o.total), '0.00', '0', '0', '0.00', '0.00', '', '', o.description, o.attach ?? '',
        yuan(fee(o.total)), '0.60%', yuan(o.total), '0.00', '',
      ]));
    }
  }
  if (type !== 'SUCCESS') {
    for (const r of sim.store.listRefundsSucceededBetween(m.mchid, from, to)) {
      const o = sim.store.getOrder(r.order_id);
      if (!o) continue;
      count++; refunded += r.amount; fees -= fee(r.amount);
      rows.push(line([
        cstDateTime(r.success_at ?? r.created_at), o.appid, o.mchid, '0', '', o.transaction_id ?? '', o.out_trade_no, o.openid ?? '', 'NATIVE',
        'REFUND', 'OTHERS', 'CNY', '0.00', '0.00', r.refund_id, r.out_refund_no, yuan(r.amount), '0.00', 'ORIGINAL', 'SUCCESS',
        o.description, o.attach ?? '', yuan(-fee(r.amount)), '0.60%', '0.00', yuan(r.amount), '',
      ]));
    }
  }
  const summary = line([String(count), yuan(settled), yuan(refunded), '0.00', yuan(fees), yuan(settled), yuan(refunded)]);
  return `\uFEFF${[BILL_COLUMNS.join(','), ...rows, SUMMARY_COLUMNS.join(','), summary].join('\r\n')}\r\n`;
}

function sendError(sim: SimContext, reply: FastifyReply, err: unknown, mchid: string | undefined): FastifyReply {
  if (err instanceof WxError) return send(sim, reply, mchid, { status: err.status, body: { code: err.code, message: err.message } });
  throw err;
}

export function registerBillRoutes(app: FastifyInstance, sim: SimContext): void {
  app.get('/v3/bill/tradebill', async (req: FastifyRequest, reply) => {
    let merchant: MerchantRow | undefined;
    try {
      merchant = authenticate(sim, req);
      const q = req.query as Record<string, unknown>;
      const date = typeof q.bill_date === 'string' ? q.bill_date : '';
      const from = parseCstDate(date);
      if (from === null) throw new WxError(400, 'PARAM_ERROR', 'bill_date 格式应为 yyyy-MM-dd');
      if (from > sim.now()) throw new WxError(400, 'NO_STATEMENT_EXIST', '账单日期不能是未来的日期');
      const type = q.bill_type ?? 'ALL';
      if (type !== 'ALL' && type !== 'SUCCESS' && type !== 'REFUND') throw new WxError(400, 'PARAM_ERROR', 'bill_type 只能是 ALL、SUCCESS 或 REFUND');
      if (q.tar_type !== undefined && q.tar_type !== 'GZIP') throw new WxError(400, 'PARAM_ERROR', 'tar_type 只能是 GZIP');
      const gzip = q.tar_type === 'GZIP';
      const file = fileBytes(buildTradeBill(sim, merchant, date, type), gzip);
      const token = sim.bills.issue({ mchid: merchant.mchid, gzip, file }, sim.now());
      return send(sim, reply, merchant.mchid, {
        status: 200,
        body: { hash_type: 'SHA1', hash_value: createHash('sha1').update(file).digest('hex'), download_url: `${sim.publicBaseUrl()}/v3/billdownload/file?token=${token}` },
      });
    } catch (err) {
      return sendError(sim, reply, err, merchant?.mchid);
    }
  });

  app.get('/v3/billdownload/file', async (req: FastifyRequest, reply) => {
    let merchant: MerchantRow | undefined;
    try {
      merchant = authenticate(sim, req);
      const token = (req.query as Record<string, unknown>).token;
      const grant = typeof token === 'string' ? sim.bills.resolve(token, sim.now()) : undefined;
      if (grant === undefined || (grant !== 'expired' && grant.mchid !== merchant.mchid)) throw new WxError(404, 'RESOURCE_NOT_EXISTS', '账单下载链接无效');
      if (grant === 'expired') throw new WxError(400, 'INVALID_REQUEST', 'download_url 有效期为 30 秒，请重新申请账单');
      // Unsigned on purpose, as at WeChat Pay: integrity comes from hash_value.
      return reply.type(grant.gzip ? 'application/x-gzip' : 'text/plain; charset=utf-8').send(grant.file);
    } catch (err) {
      return sendError(sim, reply, err, merchant?.mchid);
    }
  });
}

function fileBytes(csv: string, gzip: boolean): Buffer {
  const bytes = Buffer.from(csv, 'utf8');
  // mtime 0 in the header (zlib's default) keeps the gzip bytes, and so the SHA1, stable.
  return gzip ? gzipSync(bytes) : bytes;
}

// Trade bills as WeChat Pay serves them: GET /v3/bill/tradebill answers (signed) with a SHA1
// and a download_url; the download (a signed GET) returns the file itself, unsigned.
// The file (bill-file.ts): UTF-8 with BOM, every data cell prefixed with a backtick, a
// summary at the end, built from the ledger or a synthetic day and the BillControls.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { syntheticTrade } from '../common/bill-controls.js';
import { authenticate, send, WxError } from './api.js';
import { billBytes, billSha1, billLines, feeOf, type BillPlan, type BillType, type Entry, type Trade } from './bill-file.js';
import type { SimContext } from './context.js';
import { DAY_MS, parseCstDate } from './format.js';
import type { MerchantRow, OrderRow } from './store.js';

/** download_url lifetime (WeChat Pay: 30 s). */
export const BILL_URL_TTL_MS = 30_000;
const CST_OFFSET_MINUTES = 480;

const trade = (o: OrderRow, at: number): Trade => ({
  at, appid: o.appid, mchid: o.mchid, transactionId: o.transaction_id ?? '', outTradeNo: o.out_trade_no, openid: o.openid ?? '', description: o.description, attach: o.attach ?? '',
});
const payment = (o: OrderRow): Entry => ({ ...trade(o, o.paid_at ?? o.created_at), kind: 'payment', total: o.total, fee: feeOf(o.total), revoked: false });

/** The n-th trade of a synthetic day, as a bill entry. */
function syntheticAt(m: MerchantRow, date: string, n: number, rows: number): Entry {
  const t = syntheticTrade(date, n, rows, CST_OFFSET_MINUTES);
  return {
    kind: 'payment', at: t.paidAt, appid: m.appid, mchid: m.mchid, transactionId: t.providerTransactionId, outTradeNo: t.reference,
    openid: '', description: 'synthetic', attach: '', total: t.amount, fee: feeOf(t.amount), revoked: false,
  };
}

function* synthetic(m: MerchantRow, date: string, rows: number): Generator<Entry> {
  for (let n = 0; n < rows; n++) yield syntheticAt(m, date, n, rows);
}

const previousDay = (date: string): string => new Date(Date.parse(`${date}T00:00:00Z`) - DAY_MS).toISOString().slice(0, 10);

/** Trades a `next_day` discrepancy of the day before moves onto this bill: ledger orders, or that day's synthetic trades. */
function movedHere(sim: SimContext, m: MerchantRow, date: string): Entry[] {
  const prev = previousDay(date);
  const prevRows = sim.billControls.synthetic(m.mchid, prev);
  const synRef = new RegExp(`^syn${prev.replace(/-/g, '')}(\\d{8})$`);
  return sim.billControls.movedFromPreviousDay(m.mchid, date).flatMap((ref) => {
    const o = sim.store.getOrderByOutTradeNo(m.mchid, ref);
    if (o !== undefined && o.paid_at !== null) return [payment(o)];
    const n = synRef.exec(ref);
    if (prevRows === undefined || n === null || Number(n[1]) >= prevRows) return [];
    return [syntheticAt(m, prev, Number(n[1]), prevRows)];
  });
}

/** The plan of one merchant's bill of one GMT+8 day, with that day's controls. */
export function planBill(sim: SimContext, m: MerchantRow, date: string, from: number, type: BillType, gzip: boolean): BillPlan {
  const to = from + DAY_MS;
  const controls = sim.billControls;
  const discrepancies = [...controls.discrepancies(m.mchid, date)];
  const moved = movedHere(sim, m, date);
  const rows = controls.synthetic(m.mchid, date);
  let entries: () => Iterable<Entry>;
  if (rows !== undefined) {
    entries = function* () { yield* moved; yield* synthetic(m, date, rows); };
  } else {
    // A snapshot: a payment arriving between the hash and the download must not change the file.
    const snapshot = [...moved, ...sim.store.listOrdersPaidBetween(m.mchid, from, to).map(payment)];
    for (const r of sim.store.listRefundsSucceededBetween(m.mchid, from, to)) {
      const o = sim.store.getOrder(r.order_id);
      if (o) snapshot.push({ ...trade(o, r.success_at ?? r.created_at), kind: 'refund', refundId: r.refund_id, outRefundNo: r.out_refund_no, amount: r.amount, fee: -feeOf(r.amount) });
    }
    entries = () => snapshot;
  }
  const trades = new Map<string, Trade>();
  for (const d of discrepancies) {
    const o = d.kind === 'refund' ? sim.store.getOrderByOutTradeNo(m.mchid, d.reference) : undefined;
    if (o) trades.set(o.out_trade_no, trade(o, o.paid_at ?? o.created_at));
  }
  return { date, dayEnd: to, mchid: m.mchid, appid: m.appid, type, gzip, fault: controls.fault(m.mchid, date), discrepancies, entries, trades };
}

/** A plain synthetic day's file for this plan's type and packing, built once (BillControls.builtFile); undefined for any other day. */
function builtFile(sim: SimContext, plan: BillPlan) {
  return sim.billControls.builtFile(plan.mchid, plan.date, `${plan.type}|${plan.gzip ? 'gzip' : 'plain'}`, () => billBytes(plan));
}

/** POST /_bills/synthetic: the day's file (ALL, gzip: what Paygate asks for) is built and hashed then, so tradebill answers at once. */
export async function prepareSyntheticBill(sim: SimContext, mchid: string, date: string): Promise<void> {
  const m = sim.store.getMerchant(mchid);
  const from = parseCstDate(date);
  if (m !== undefined && from !== null) await builtFile(sim, planBill(sim, m, date, from, 'ALL', true));
}

/** WeChat Pay keeps no bill for a day without a line: it answers NO_STATEMENT_EXIST. */
function hasLines(plan: BillPlan): boolean {
  const lines = billLines({ ...plan, fault: undefined });
  lines.next(); // the header
  const first = lines.next();
  return !first.done && first.value.startsWith('`');
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
      const plan = planBill(sim, merchant, date, from, type, q.tar_type === 'GZIP');
      if (plan.fault === 'no_bill' || !hasLines(plan)) throw new WxError(400, 'NO_STATEMENT_EXIST', '账单文件不存在，请检查当前商户号在指定日期内是否有成功的交易');
      const hash = (await builtFile(sim, plan))?.sha1 ?? (await billSha1(plan));
      // The `url_expired` fault: the URL is already past its 30 s when handed out.
      const issuedAt = plan.fault === 'url_expired' ? sim.now() - BILL_URL_TTL_MS : sim.now();
      const token = sim.bills.issue({ mchid: merchant.mchid, plan }, issuedAt);
      return send(sim, reply, merchant.mchid, {
        status: 200,
        body: { hash_type: 'SHA1', hash_value: hash, download_url: `${sim.publicBaseUrl()}/v3/billdownload/file?token=${token}` },
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
      const built = await builtFile(sim, grant.plan);
      return reply.type(grant.plan.gzip ? 'application/x-gzip' : 'text/plain; charset=utf-8').send(built !== undefined ? built.open() : billBytes(grant.plan));
    } catch (err) {
      return sendError(sim, reply, err, merchant?.mchid);
    }
  });
}

// ACP back-end endpoints: backTransReq.do (apply, undo, refund), queryTrans.do and
// fileTransRequest.do. Protocol problems are answered as UnionPay does: HTTP 200 with a
// signed respCode; only bodies that are not ACP forms at all get an HTTP 400.
import { X509Certificate } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HANG_MS } from '../common/faults.js';
import type { SimContext } from './context.js';
import { acpSign, acpVerify, rawAnswer } from './crypto.js';
import { missingFields } from './fields.js';
import { reconciliationFile } from './files.js';
import { parseCstStamp, settleDateOf } from './format.js';
import type { MerchantRow, TxnRow } from './store.js';
import type { NewTxn } from './txns.js';

export const GATEWAY_BODY_LIMIT = 64 * 1024;

export class RequestFormatError extends Error {
  readonly statusCode = 400;
  readonly code = 'INVALID_REQUEST';
}

/** A protocol-level refusal: becomes a signed answer with this respCode. */
class Refusal extends Error {
  constructor(readonly respCode: string, message: string) {
    super(message);
  }
}

export function parseForm(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(text)) {
    if (k in out) throw new RequestFormatError(`field "${k}" appears more than once`);
    out[k] = v;
  }
  return out;
}

type Fields = Record<string, string>;
const ORDER_ID = /^[0-9A-Za-z]{8,32}$/;
const FEN = /^[1-9]\d{0,12}$/;

function need(f: Fields, ...keys: string[]): void {
  const missing = keys.filter((k) => !f[k]);
  if (missing.length > 0) throw new Refusal('13', `报文交易要素缺失: ${missing.join(', ')}`);
}

const certKeys = new Map<string, X509Certificate>();

type Path = 'back' | 'query' | 'file';

function authenticate(sim: SimContext, path: Path, f: Fields): MerchantRow {
  // Completeness first, as the real gateway: a message lacking a mandatory field is 13 whatever else is wrong.
  const missing = missingFields(path, f);
  if (missing.length > 0) throw new Refusal('13', `报文交易要素缺失: ${missing.join(', ')}`);
  if (f.version !== '5.1.0') throw new Refusal('10', `version ${f.version} is not 5.1.0`);
  if (!/^utf-?8$/i.test(f.encoding ?? '')) throw new Refusal('10', `encoding ${f.encoding} is not utf-8`);
  if (f.signMethod !== '01') throw new Refusal('10', `signMethod ${f.signMethod}: the sandbox supports 01 (RSA) only`);
  const merchant = sim.store.getMerchant(f.merId ?? '');
  if (!merchant) throw new Refusal('31', `merId ${f.merId} is not registered in the sandbox (POST /_merchants)`);
  if (f.certId !== merchant.cert_id) throw new Refusal('11', `certId ${f.certId} is not the registered signing certificate ${merchant.cert_id}`);
  let cert = certKeys.get(merchant.cert_pem);
  if (!cert) certKeys.set(merchant.cert_pem, (cert = new X509Certificate(merchant.cert_pem)));
  if (!acpVerify(f, f.signature ?? '', cert.publicKey)) throw new Refusal('11', '验证签名失败: signature does not verify with the registered certificate');
  return merchant;
}

function orderFields(f: Fields, withAmount: boolean): void {
  need(f, 'orderId', 'txnTime', ...(withAmount ? ['txnAmt'] : []));
  if (!ORDER_ID.test(f.orderId ?? '')) throw new Refusal('10', `orderId must be 8..32 letters or digits, got ${f.orderId}`);
  if (parseCstStamp(f.txnTime ?? '') === null) throw new Refusal('10', `txnTime must be yyyyMMddHHmmss, got ${f.txnTime}`);
  if (withAmount && !FEN.test(f.txnAmt ?? '')) throw new Refusal('10', `txnAmt must be a positive integer in fen, got ${f.txnAmt}`);
  if (f.currencyCode !== undefined && f.currencyCode !== '156') throw new Refusal('10', `currencyCode ${f.currencyCode}: the sandbox settles 156 (CNY) only`);
  if (f.backUrl !== undefined && !/^https?:\/\/\S+$/.test(f.backUrl)) throw new Refusal('10', `backUrl must be an http(s) URL`);
}

function newTxn(m: MerchantRow, f: Fields): NewTxn {
  return {
    merId: m.mer_id, orderId: f.orderId ?? '', txnTime: f.txnTime ?? '', txnType: f.txnType ?? '', txnSubType: f.txnSubType ?? '',
    txnAmt: Number(f.txnAmt ?? '0'), backUrl: f.backUrl, reqReserved: f.reqReserved,
  };
}

function original(sim: SimContext, m: MerchantRow, f: Fields): TxnRow {
  const orig = f.origQryId
    ? sim.store.findByQueryId(m.mer_id, f.origQryId)
    : f.origOrderId && f.origTxnTime ? sim.store.findTxn(m.mer_id, f.origOrderId, f.origTxnTime) : undefined;
  if (!f.origQryId && !(f.origOrderId && f.origTxnTime)) throw new Refusal('13', '报文交易要素缺失: origQryId (or origOrderId + origTxnTime)');
  if (!orig || orig.txn_type !== '01') throw new Refusal('35', '原交易不存在或状态不正确');
  return orig;
}

function apply(sim: SimContext, m: MerchantRow, f: Fields): Fields {
  if (f.txnSubType !== '07' || f.bizType !== '000000') throw new Refusal('10', 'the sandbox supports QR apply with txnSubType 07 and bizType 000000');
  orderFields(f, true);
  let consume = sim.store.findTxn(m.mer_id, f.orderId ?? '', f.txnTime ?? '');
  if (consume && consume.txn_amt !== Number(f.txnAmt)) throw new Refusal('12', '重复交易: the same orderId/txnTime was sent with another txnAmt');
  const timeout = f.payTimeout ? parseCstStamp(f.payTimeout) : null;
  if (f.payTimeout && timeout === null) throw new Refusal('10', `payTimeout must be yyyyMMddHHmmss, got ${f.payTimeout}`);
  consume ??= sim.txns.apply(newTxn(m, f), timeout);
  return { qrCode: `${sim.publicBaseUrl()}/qr/${consume.qr_token ?? ''}` };
}

function refund(sim: SimContext, m: MerchantRow, f: Fields): Fields {
  orderFields(f, true);
  const existing = sim.store.findTxn(m.mer_id, f.orderId ?? '', f.txnTime ?? '');
  if (existing) {
    // A resend of the same refund is answered like the first; anything else reusing its orderId is a duplicate.
    if (existing.txn_type === '04' && existing.txn_amt === Number(f.txnAmt)) return { queryId: existing.query_id };
    throw new Refusal('12', '重复交易');
  }
  const orig = original(sim, m, f);
  if (orig.status !== 'paid') throw new Refusal('35', `原交易状态不正确: the consume is ${orig.status}`);
  if (Number(f.txnAmt) > orig.txn_amt - orig.refunded_amt) throw new Refusal('33', `交易金额超限: at most ${orig.txn_amt - orig.refunded_amt} fen can still be refunded`);
  return { queryId: sim.txns.refund(orig, newTxn(m, f)).query_id, origQryId: orig.query_id };
}

function undo(sim: SimContext, m: MerchantRow, f: Fields): Fields {
  orderFields(f, true);
  const existing = sim.store.findTxn(m.mer_id, f.orderId ?? '', f.txnTime ?? '');
  if (existing) return { queryId: existing.query_id };
  const orig = original(sim, m, f);
  if (Number(f.txnAmt) !== orig.txn_amt) throw new Refusal('36', '与原交易信息不符: txnAmt must equal the consume amount');
  const reversible = orig.status === 'open' || (orig.status === 'paid' && orig.refunded_amt === 0 && orig.settle_date === settleDateOf(sim.now()));
  if (orig.status !== 'closed' && orig.status !== 'undone' && !reversible) throw new Refusal('35', `原交易状态不正确: the consume is ${orig.status}${orig.refunded_amt > 0 ? ', partly refunded' : ''}`);
  if (!reversible) return { origQryId: orig.query_id };
  return { queryId: sim.txns.undo(orig, newTxn(m, f)).query_id, origQryId: orig.query_id };
}

function query(sim: SimContext, m: MerchantRow, f: Fields): Fields {
  orderFields(f, false);
  const txn = sim.store.findTxn(m.mer_id, f.orderId ?? '', f.txnTime ?? '');
  // An unpaid QR order has no consume yet, and a closed one never will.
  if (!txn || txn.status === 'open' || txn.status === 'closed') throw new Refusal('34', '查无此交易');
  const failed = txn.status === 'failed';
  return {
    queryId: txn.query_id, txnAmt: String(txn.txn_amt), currencyCode: '156', origRespCode: failed ? '01' : '00', origRespMsg: failed ? '交易失败' : '成功',
    ...(txn.settle_date ? { settleDate: txn.settle_date } : {}), ...(txn.trace_no ? { traceNo: txn.trace_no } : {}), ...(txn.req_reserved ? { reqReserved: txn.req_reserved } : {}),
  };
}

async function fileTransfer(sim: SimContext, m: MerchantRow, f: Fields): Promise<Fields> {
  if (!/^(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$/.test(f.settleDate ?? '')) throw new Refusal('10', `settleDate must be MMDD, got ${f.settleDate}`);
  const file = await reconciliationFile(sim, m.mer_id, f.settleDate ?? '');
  if (!file) throw new Refusal('98', '文件不存在');
  return { fileName: file.name, fileContent: file.content, settleDate: f.settleDate ?? '', fileType: '00' };
}

async function dispatch(sim: SimContext, path: Path, f: Fields, m: MerchantRow): Promise<Fields> {
  const op = `${f.txnType}/${f.txnSubType}`;
  if (path === 'query') {
    if (op !== '00/00') throw new Refusal('10', `queryTrans.do takes txnType 00 / txnSubType 00, got ${op}`);
    return query(sim, m, f);
  }
  if (path === 'file') {
    if (op !== '76/01') throw new Refusal('10', `fileTransRequest.do takes txnType 76 / txnSubType 01, got ${op}`);
    return fileTransfer(sim, m, f);
  }
  if (f.txnType === '01') return apply(sim, m, f);
  if (op === '04/00') return refund(sim, m, f);
  if (op === '31/00') return undo(sim, m, f);
  throw new Refusal('10', `backTransReq.do: txnType/txnSubType ${op} is not supported by the sandbox`);
}

function signed(sim: SimContext, f: Fields, respCode: string, respMsg: string, extra: Fields): string {
  const answer: Fields = {};
  for (const k of ['version', 'encoding', 'bizType', 'txnType', 'txnSubType', 'accessType', 'merId', 'orderId', 'txnTime', 'txnAmt', 'reqReserved']) {
    const v = f[k];
    if (v) answer[k] = v;
  }
  Object.assign(answer, { signMethod: '01', respCode, respMsg }, extra, { signPubKeyCert: sim.ca.signCertPem });
  return rawAnswer({ ...answer, signature: acpSign(answer, sim.ca.signKey) });
}

async function handle(sim: SimContext, path: Path, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  if (typeof req.body !== 'object' || req.body === null) throw new RequestFormatError('send an application/x-www-form-urlencoded ACP form');
  const f = req.body as Fields;
  const faults = sim.faults();
  if (faults.latency_ms > 0) await sim.sleep(faults.latency_ms);
  if (faults.timeout_rate > 0 && sim.random() < faults.timeout_rate) await sim.sleep(HANG_MS);
  let body: string;
  try {
    const merchant = authenticate(sim, path, f);
    if (faults.error_rate > 0 && sim.random() < faults.error_rate) throw new Refusal('06', '系统繁忙，请稍后再试 (injected)');
    body = signed(sim, f, '00', '成功[0000000]', await dispatch(sim, path, f, merchant));
  } catch (err) {
    if (!(err instanceof Refusal)) throw err;
    body = signed(sim, f, err.respCode, err.message, {});
  }
  return reply.type('text/plain; charset=utf-8').send(body);
}

export function registerGateway(app: FastifyInstance, sim: SimContext): void {
  app.post('/gateway/api/backTransReq.do', (req, reply) => handle(sim, 'back', req, reply));
  app.post('/gateway/api/queryTrans.do', (req, reply) => handle(sim, 'query', req, reply));
  app.post('/gateway/api/fileTransRequest.do', (req, reply) => handle(sim, 'file', req, reply));
}

// Every ACP message Paygate sends, field by field: the mandatory fields of the ACP 5.1.0
// tables (shared/providers/unionpay.md) and of UnionPay's official 5.1.0 samples, written
// out here independently of both the connector and the simulator. Each must be present in
// what the connector builds, in the right format; the simulator, strict like the real
// gateway, must accept the whole message and refuse it with respCode 13 报文交易要素缺失
// when any one is removed (re-signed, so the missing field is the only fault).
import forge from 'node-forge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUnionpaySimulator } from '../../simulators/unionpay/index.js';
import type { ConnectorContext, WireRequest } from '../types.js';
import type { UnionpayCredentials } from './credentials.js';
import { buildFileTransfer, orderIdOf, unionpayConnector as c } from './index.js';
import { oracleSign } from './test-certs.js';
import { sent } from '../../test-support/wire.js';

type Formats = Record<string, RegExp | ((v: string) => boolean)>;

const STAMP = /^20\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])([01]\d|2[0-3])[0-5]\d[0-5]\d$/;
const ORDER_ID = /^[0-9A-Za-z]{8,32}$/;
const FEN = /^[1-9]\d{0,11}$/;
const NOTIFY_URL = 'http://127.0.0.1:9/notify/unionpay/pa_1';
// Sent by every request (AcpService.sign adds certId and signature).
const COMMON: Formats = {
  version: /^5\.1\.0$/, encoding: /^utf-8$/i, signMethod: /^01$/, certId: /^[1-9]\d*$/, signature: /^[A-Za-z0-9+/]+={0,2}$/,
  bizType: /^000000$/, accessType: /^0$/, merId: /^[0-9A-Za-z]{1,32}$/,
};
// consume / QR apply, consume undo and refund: a transaction of its own, notified to backUrl.
const TRANSACTION: Formats = { channelType: /^0[78]$/, orderId: ORDER_ID, txnTime: STAMP, txnAmt: FEN, currencyCode: /^156$/, backUrl: (v) => v === NOTIFY_URL };

const REF = 'att_01hk0w4v00abcdefghjkmnpqrs';
const PAID = 'att_01hk0w4v00bbcdefghjkmnpqrs';
const PAID2 = 'att_01hk0w4v00ebcdefghjkmnpqrs';
const REFUND = 're_01hk0w4v00cbcdefghjkmnpqrs';

describe('mandatory fields of every ACP message, against the strict simulator', () => {
  let s: Awaited<ReturnType<typeof startUnionpaySimulator>>;
  let ctx: ConnectorContext<UnionpayCredentials>;
  let keyPem = '';
  const queryIds: Record<string, string> = {};
  const expiresAt = new Date(Date.now() + 3600_000);
  const post = async (url: string, fields: Record<string, string>) => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
    // Answers are raw k=v&; none of the values read here contains '&'.
    return Object.fromEntries((await res.text()).split('&').map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)])) as Record<string, string>;
  };

  beforeAll(async () => {
    s = await startUnionpaySimulator({});
    const reg = s.sim.registerMerchant();
    ctx = { credentials: c.parseCredentials(reg), baseUrl: `${s.url}/sandbox/unionpay`, notifyUrl: NOTIFY_URL, now: new Date() };
    const p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(forge.util.decode64(reg.sign_cert_pfx)), reg.sign_cert_password);
    const oid = forge.pki.oids.pkcs8ShroudedKeyBag ?? '';
    keyPem = forge.pki.privateKeyToPem(p12.getBags({ bagType: oid })[oid]?.[0]?.key as forge.pki.PrivateKey);
    for (const reference of [REF, PAID, PAID2]) {
      const req = sent(c.create.build(ctx, { reference, amount: 1234, currency: 'CNY', description: 'x', expiresAt }));
      expect((await post(req.url, Object.fromEntries(new URLSearchParams(req.body ?? '')))).respCode).toBe('00');
      if (reference === REF) continue;
      s.sim.pay(orderIdOf(reference), 'success');
      const q = sent(c.query.build(ctx, reference));
      queryIds[reference] = (await post(q.url, Object.fromEntries(new URLSearchParams(q.body ?? '')))).queryId ?? '';
      expect(queryIds[reference]).toMatch(/^\d{21}$/);
    }
  });
  afterAll(async () => s?.close());

  // [message, build, path, its own mandatory fields, respCode of the complete message]
  const MESSAGES: Array<[string, () => WireRequest, string, Formats, string]> = [
    ['QR apply (01/07)', () => sent(c.create.build(ctx, { reference: 'att_01hk0w4v00dbcdefghjkmnpqrs', amount: 1234, currency: 'CNY', description: 'x', expiresAt })), '/gateway/api/backTransReq.do',
      { txnType: /^01$/, txnSubType: /^07$/, ...TRANSACTION, payTimeout: STAMP }, '00'],
    ['consume undo (31/00) by origOrderId + origTxnTime', () => sent(c.close.build(ctx, REF, { amount: 1234, currency: 'CNY' })), '/gateway/api/backTransReq.do',
      { txnType: /^31$/, txnSubType: /^00$/, ...TRANSACTION, origOrderId: (v) => v === orderIdOf(REF), origTxnTime: STAMP }, '00'],
    // Same-day undo of a paid consume: reverses it.
    ['consume undo (31/00) by origQryId', () => sent(c.close.build(ctx, PAID2, { amount: 1234, currency: 'CNY', providerTransactionId: queryIds[PAID2] ?? '' })), '/gateway/api/backTransReq.do',
      { txnType: /^31$/, txnSubType: /^00$/, ...TRANSACTION, origQryId: (v) => v === queryIds[PAID2] }, '00'],
    ['refund (04/00)', () => sent(c.refund.build(ctx, { reference: PAID, refundReference: REFUND, amount: 100, currency: 'CNY', providerTransactionId: queryIds[PAID] ?? '' })), '/gateway/api/backTransReq.do',
      { txnType: /^04$/, txnSubType: /^00$/, ...TRANSACTION, origQryId: (v) => v === queryIds[PAID] }, '00'],
    // REF was never paid (and is undone above): no consume to find.
    ['query (00/00)', () => sent(c.query.build(ctx, REF)), '/gateway/api/queryTrans.do',
      { txnType: /^00$/, txnSubType: /^00$/, orderId: (v) => v === orderIdOf(REF), txnTime: STAMP }, '34'],
    ['refund query (00/00)', () => sent(c.refundQuery.build(ctx, { reference: PAID, refundReference: REFUND, amount: 100, currency: 'CNY' })), '/gateway/api/queryTrans.do',
      { txnType: /^00$/, txnSubType: /^00$/, orderId: (v) => v === orderIdOf(REFUND), txnTime: STAMP }, '00'],
    // 29 February of a year without transactions: no file.
    ['file transfer (76/01)', () => buildFileTransfer(ctx, '0229'), '/gateway/api/fileTransRequest.do',
      { txnType: /^76$/, txnSubType: /^01$/, txnTime: STAMP, settleDate: /^(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$/, fileType: /^00$/ }, '98'],
  ];
  // payTimeout is Paygate's own choice (the order's expiry), checked for format but not mandatory at UnionPay.
  const OPTIONAL = new Set(['payTimeout']);

  describe.each(MESSAGES)('%s', (_name, build, path, own, complete) => {
    const formats: Formats = { ...COMMON, ...own };
    const fieldsOf = (req: WireRequest) => Object.fromEntries(new URLSearchParams(req.body ?? '')) as Record<string, string>;

    it('carries every mandatory field in its format, and the whole message is not refused for a missing one', async () => {
      const req = build();
      expect(req.url).toBe(`${ctx.baseUrl}${path}`);
      const f = fieldsOf(req);
      for (const [key, format] of Object.entries(formats)) {
        const value = f[key];
        expect(value, key).toBeDefined();
        expect(typeof format === 'function' ? format(value ?? '') : format.test(value ?? ''), `${key}=${value}`).toBe(true);
      }
      expect(f.certId).toBe(ctx.credentials.certId);
      expect(f.merId).toBe(ctx.credentials.merId);
      const answer = await post(req.url, f);
      expect(answer.respCode, answer.respMsg).toBe(complete);
    });

    it.each(Object.keys(formats).filter((k) => !OPTIONAL.has(k)))('is refused with respCode 13 without %s', async (key) => {
      const req = build();
      const { [key]: _removed, signature: _old, ...rest } = fieldsOf(req);
      // Re-signed over what is left, so the missing field is the message's only fault.
      const fields = key === 'signature' ? rest : { ...rest, signature: oracleSign(rest, keyPem) };
      const answer = await post(req.url, fields);
      expect(answer.respCode).toBe('13');
      expect(answer.respMsg).toContain('报文交易要素缺失');
      expect(answer.respMsg).toContain(key);
    });
  });
});

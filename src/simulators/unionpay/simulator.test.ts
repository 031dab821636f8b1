// The simulator against an independent oracle (node:crypto step by step; PFX opened with
// node-forge here, not with simulator code): requests it must accept or refuse, answers
// that must verify through the chain it hands out.
import crypto from 'node:crypto';
import forge from 'node-forge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUnionpaySimulator } from './index.js';
import type { RegisteredMerchant } from './admin.js';

const canonical = (f: Record<string, string>) => Object.keys(f).filter((k) => k !== 'signature' && f[k] !== '').sort().map((k) => `${k}=${f[k]}`).join('&');
const hexDigest = (f: Record<string, string>) => Buffer.from(crypto.createHash('sha256').update(canonical(f), 'utf8').digest('hex'), 'utf8');

function parseRaw(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let depth = 0;
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    const ch = text[i];
    if (ch === '[' || ch === '{') depth++;
    else if (ch === ']' || ch === '}') depth--;
    else if ((ch === '&' && depth === 0) || i === text.length) {
      const pair = text.slice(start, i);
      const eq = pair.indexOf('=');
      out[pair.slice(0, eq)] = pair.slice(eq + 1);
      start = i + 1;
    }
  }
  return out;
}

describe('UnionPay simulator', () => {
  let s: Awaited<ReturnType<typeof startUnionpaySimulator>>;
  let m: RegisteredMerchant;
  let keyPem = '';
  let certId = '';
  const txnTime = new Date(Date.now() + 8 * 3600_000).toISOString().replace(/[-:T]/g, '').slice(0, 14);

  const signed = (f: Record<string, string>) => ({ ...f, signature: crypto.sign('sha256', hexDigest(f), keyPem).toString('base64') });
  const common = () => ({ version: '5.1.0', encoding: 'utf-8', signMethod: '01', certId, accessType: '0', merId: m.mer_id, bizType: '000000' });
  const post = async (path: string, f: Record<string, string>) => {
    const res = await fetch(`${s.url}/sandbox/unionpay/gateway/api/${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(f).toString() });
    return parseRaw(await res.text());
  };
  /** Chain first (issuer signatures, validity), then the double-hash signature. */
  const verifies = (a: Record<string, string>) => {
    const cert = new crypto.X509Certificate(a.signPubKeyCert ?? '');
    const middle = new crypto.X509Certificate(m.middle_cert);
    const root = new crypto.X509Certificate(m.root_cert);
    const valid = Date.parse(cert.validFrom) <= Date.now() && Date.now() <= Date.parse(cert.validTo);
    return cert.verify(middle.publicKey) && middle.verify(root.publicKey) && valid && crypto.verify('sha256', hexDigest(a), cert.publicKey, Buffer.from(a.signature ?? '', 'base64'));
  };
  const apply = (orderId: string, extra: Record<string, string> = {}) => ({ ...common(), txnType: '01', txnSubType: '07', channelType: '08', orderId, txnTime, txnAmt: '500', currencyCode: '156', backUrl: 'http://127.0.0.1:9/none', ...extra });
  const query = (orderId: string) => post('queryTrans.do', signed({ ...common(), txnType: '00', txnSubType: '00', orderId, txnTime }));

  beforeAll(async () => {
    s = await startUnionpaySimulator({});
    m = s.sim.registerMerchant();
    const p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(forge.util.decode64(m.sign_cert_pfx)), m.sign_cert_password);
    const oid = forge.pki.oids.pkcs8ShroudedKeyBag ?? '';
    keyPem = forge.pki.privateKeyToPem(p12.getBags({ bagType: oid })[oid]?.[0]?.key as forge.pki.PrivateKey);
    const certOid = forge.pki.oids.certBag ?? '';
    certId = BigInt(`0x${p12.getBags({ bagType: certOid })[certOid]?.[0]?.cert?.serialNumber ?? '0'}`).toString(10);
  });
  afterAll(async () => s?.close());

  it('accepts an oracle-signed QR apply and answers with a signature the oracle verifies', async () => {
    const a = await post('backTransReq.do', signed(apply('ORDER0000001')));
    expect(a.respCode).toBe('00');
    expect(a.qrCode).toContain('/sandbox/unionpay/qr/');
    expect(verifies(a)).toBe(true);
    expect(verifies({ ...a, qrCode: 'http://evil/' })).toBe(false);
    expect((await query('ORDER0000001')).respCode).toBe('34');
    s.sim.pay('ORDER0000001', 'success');
    const q = await query('ORDER0000001');
    expect(q).toMatchObject({ respCode: '00', origRespCode: '00', txnAmt: '500' });
    expect(verifies(q)).toBe(true);
  });

  it.each([
    ['a tampered field', () => ({ ...signed(apply('ORDER0000002')), txnAmt: '1' }), '11'],
    ['a missing signature', () => apply('ORDER0000003'), '13'],
    ['a non-numeric txnAmt', () => signed(apply('ORDER0000004', { txnAmt: '5.00' })), '10'],
    ['an orderId of the wrong shape', () => signed(apply('ORD-0005')), '10'],
    ['another certId', () => signed({ ...apply('ORDER0000006'), certId: '1' }), '11'],
  ])('refuses %s with a signed respCode and creates nothing', async (_n, make, code) => {
    const f: Record<string, string> = make();
    const a = await post('backTransReq.do', f);
    expect(a.respCode).toBe(code);
    expect(verifies(a)).toBe(true);
    if (/^[0-9A-Za-z]{8,32}$/.test(f.orderId ?? '')) expect((await query(f.orderId ?? '')).respCode).toBe('34');
  });

  it('undoes an open order so it cannot be paid, and refuses refunds above the paid amount', async () => {
    await post('backTransReq.do', signed(apply('ORDER0000010')));
    const undo = { ...common(), txnType: '31', txnSubType: '00', channelType: '08', orderId: 'ORDER0000010U', txnTime, txnAmt: '500', currencyCode: '156', backUrl: 'http://127.0.0.1:9/none', origOrderId: 'ORDER0000010', origTxnTime: txnTime };
    // Strict like the real gateway: backUrl is mandatory for the undo too (13 without it).
    const { backUrl: _b, ...withoutBackUrl } = undo;
    expect(await post('backTransReq.do', signed(withoutBackUrl))).toMatchObject({ respCode: '13', respMsg: '报文交易要素缺失: backUrl' });
    const u = await post('backTransReq.do', signed(undo));
    expect(u.respCode).toBe('00');
    expect(() => s.sim.pay('ORDER0000010', 'success')).toThrow(/closed/);
    const q = await query('ORDER0000001');
    const r = await post('backTransReq.do', signed({ ...common(), txnType: '04', txnSubType: '00', channelType: '08', orderId: 'REFUND000001', txnTime, txnAmt: '501', currencyCode: '156', backUrl: 'http://127.0.0.1:9/none', origQryId: q.queryId ?? '' }));
    expect(r.respCode).toBe('33');
  });

  it('signs as UnionPay\'s test environment (owner 00040000:SIGN) and tells accounts so; merchants\' certificates name the merchant', () => {
    const owner = (pem: string) => String(new crypto.X509Certificate(pem).toLegacyObject().subject.CN).split('@')[2];
    expect(owner(s.sim.ca.signCertPem)).toBe('00040000:SIGN');
    expect(m.environment).toBe('test');
    const p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(forge.util.decode64(m.sign_cert_pfx)), m.sign_cert_password);
    const certOid = forge.pki.oids.certBag ?? '';
    const merchantPem = forge.pki.certificateToPem(p12.getBags({ bagType: certOid })[certOid]?.[0]?.cert as forge.pki.Certificate);
    expect(owner(merchantPem)).toBe(`Sandbox merchant ${m.mer_id}`);
    // Same middle CA for both: chain alone cannot tell them apart.
    expect(new crypto.X509Certificate(merchantPem).verify(new crypto.X509Certificate(m.middle_cert).publicKey)).toBe(true);
  });

  it('answers file transfer with 98 when there is no file', async () => {
    const a = await post('fileTransRequest.do', signed({ ...common(), txnType: '76', txnSubType: '01', txnTime, settleDate: '0229', fileType: '00' }));
    expect(a.respCode).toBe('98');
    expect(verifies(a)).toBe(true);
  });
});

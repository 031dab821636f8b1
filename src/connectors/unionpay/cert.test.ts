// Whose certificate signed a message, besides whether it chains: UnionPay's CA issues
// merchants' signing certificates from the same middle certificate, so a chained, valid,
// non-CA certificate is not yet UnionPay's. The official SDKs (CertUtil.verifyCertificate,
// verifyAndGetVerifyCert) take the third '@' field of the subject CN as the owner and want
// 中国银联股份有限公司; with ifValidateCNName=false (test environment) also 00040000:SIGN.
import { beforeAll, describe, expect, it } from 'vitest';
import { PaygateError } from '../../domain/errors.js';
import type { ConnectorContext } from '../types.js';
import type { UnionpayCredentials } from './credentials.js';
import { orderIdOf, unionpayConnector as c } from './index.js';
import { makeCert, makePfx, MERCHANT_CN, oracleSign, rawBody, SIGNER_CN, TEST_SIGNER_CN, testPki, type TestCert } from './test-certs.js';

const MER_ID = '777290058110048';
const REF = 'att_01hk0w4v00abcdefghjkmnpqrs';

let pki: ReturnType<typeof testPki>;
const signers: Record<string, TestCert> = {};
let prod: ConnectorContext<UnionpayCredentials>;
let test: ConnectorContext<UnionpayCredentials>;

const base = (environment?: string) => ({
  mer_id: MER_ID, sign_cert_pfx: makePfx(pki.merchant, 'pw'), sign_cert_password: 'pw', root_cert: pki.root.certPem, middle_cert: pki.middle.certPem,
  ...(environment === undefined ? {} : { environment }),
});

beforeAll(() => {
  pki = testPki();
  const issue = (cn: string | string[]) => makeCert(cn, { ca: false, issuer: pki.middle });
  Object.assign(signers, {
    unionpay: pki.signer,
    testEnvironment: issue(TEST_SIGNER_CN),
    merchant: pki.merchant,
    bareName: issue('中国银联股份有限公司'),
    nameInSecondField: issue('041@中国银联股份有限公司@00040000@00000001'),
    nameWithSpace: issue('041@Z12@中国银联股份有限公司 @00000001'),
    twoCns: issue([MERCHANT_CN, SIGNER_CN]),
  });
  const ctx = (credentials: UnionpayCredentials) => ({ credentials, baseUrl: 'http://sim/sandbox/unionpay', notifyUrl: 'http://gw/notify/unionpay/pa_1', now: new Date() });
  prod = ctx(c.parseCredentials(base()));
  test = ctx(c.parseCredentials(base('test')));
});

function notification(signer: TestCert): string {
  const fields = {
    version: '5.1.0', encoding: 'utf-8', signMethod: '01', txnType: '01', txnSubType: '07', merId: MER_ID, orderId: orderIdOf(REF), txnTime: '20240101120000',
    txnAmt: '8888', currencyCode: '156', queryId: '1'.repeat(21), respCode: '00', reqReserved: REF, signPubKeyCert: signer.certPem,
  };
  return new URLSearchParams({ ...fields, signature: oracleSign(fields, signer.keyPem) }).toString();
}

function queryAnswer(signer: TestCert): string {
  const fields = { version: '5.1.0', encoding: 'utf-8', signMethod: '01', merId: MER_ID, orderId: orderIdOf(REF), respCode: '00', respMsg: 'ok', origRespCode: '00', txnAmt: '8888', queryId: '1'.repeat(21), signPubKeyCert: signer.certPem };
  return rawBody({ ...fields, signature: oracleSign(fields, signer.keyPem) });
}

// [signer, accepted by a production account, accepted by a test-environment account]
const TABLE: Array<[string, boolean, boolean]> = [
  ['unionpay', true, true],
  ['testEnvironment', false, true],
  ['merchant', false, false],
  ['bareName', false, false],
  ['nameInSecondField', false, false],
  ['nameWithSpace', false, false],
  ['twoCns', false, false],
];

describe('signer identity', () => {
  it.each(TABLE)('notification signed by the %s certificate: production %s, test %s', (name, inProd, inTest) => {
    const signer = signers[name]!;
    for (const [ctx, accepted] of [[prod, inProd], [test, inTest]] as const) {
      const v = c.verifyNotification(ctx, { headers: {}, rawBody: notification(signer), contentType: 'application/x-www-form-urlencoded' });
      if (accepted) expect(v).toMatchObject({ ok: true, kind: 'payment', status: 'succeeded' });
      else expect(v).toMatchObject({ ok: false, code: 'NOTIFY.CERT_OWNER_MISMATCH' });
    }
  });

  it.each(TABLE)('answer signed by the %s certificate: production %s, test %s', (name, inProd, inTest) => {
    const signer = signers[name]!;
    for (const [ctx, accepted] of [[prod, inProd], [test, inTest]] as const) {
      const q = c.query.parse(ctx, REF, 'CNY', { status: 200, headers: {}, body: queryAnswer(signer) });
      if (accepted) expect(q).toMatchObject({ ok: true, status: 'succeeded' });
      else expect(q).toMatchObject({ ok: false, code: 'CONNECTOR.CERT_OWNER_MISMATCH', retryable: false });
    }
  });

  it('names the owner it found in the message', () => {
    const v = c.verifyNotification(prod, { headers: {}, rawBody: notification(pki.merchant), contentType: '' });
    expect(v).toMatchObject({ ok: false, message: expect.stringContaining('Test Merchant Ltd') });
  });

  it('checks the chain before the owner: a foreign-root certificate with UnionPay\'s CN stays untrusted', () => {
    const v = c.verifyNotification(test, { headers: {}, rawBody: notification(pki.foreign), contentType: '' });
    expect(v).toMatchObject({ ok: false, code: 'NOTIFY.CERT_UNTRUSTED' });
  });

  it('takes environment production (the default) or test, nothing else', () => {
    expect(prod.credentials.environment).toBe('production');
    expect(c.parseCredentials(base('production')).environment).toBe('production');
    expect(test.credentials.environment).toBe('test');
    for (const bad of ['sandbox', 'TEST', '', 'false']) expect(() => c.parseCredentials(base(bad))).toThrow(PaygateError);
    expect(() => c.parseCredentials({ ...base(), environment: true })).toThrow(PaygateError);
  });
});

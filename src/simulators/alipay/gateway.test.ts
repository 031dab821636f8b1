import { AlipaySdk } from 'alipay-sdk';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAlipaySimulator, type AlipaySimulator } from './index.js';
import { GMT8_DATETIME, gmt8ToEpoch, nowGmt8Timestamp, rawNode, signRequest, verifyRsa2 } from './testkit.js';

let url: string;
let sim: AlipaySimulator;
let close: () => Promise<void>;
let appId: string;
let privateKey: string;
let sdk: AlipaySdk;
let gateway: string;

beforeAll(async () => {
  ({ url, sim, close } = await startAlipaySimulator({ port: 0, timeScale: 0.001 }));
  gateway = `${url}/sandbox/alipay/gateway.do`;
  const creds = sim.registerApp();
  appId = creds.app_id;
  privateKey = creds.private_key as string;
  expect(creds.alipay_public_key).toBe(sim.alipayPublicKeyPem);
  sdk = new AlipaySdk({ appId, privateKey, alipayPublicKey: sim.alipayPublicKeyPem, gateway, camelcase: false });
});

afterAll(async () => {
  await close();
});

const orderNo = () => `T${randomUUID().replace(/-/g, '')}`;

/** exec with response-signature checking on: the SDK throws if the simulator's sign is wrong. */
function exec(method: string, bizContent: Record<string, unknown>, client = sdk) {
  return client.exec(method, { bizContent }, { validateSign: true });
}

/** A hand-built request (all params in the form body), signed by the test's own code. */
async function rawCall(params: Record<string, string>, key = privateKey): Promise<{ status: number; body: string }> {
  const signed = signRequest(params, key);
  const res = await fetch(gateway, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' },
    body: new URLSearchParams(signed).toString(),
  });
  return { status: res.status, body: await res.text() };
}

const common = (method: string, biz: unknown) => ({
  app_id: appId,
  method,
  charset: 'utf-8',
  sign_type: 'RSA2',
  timestamp: nowGmt8Timestamp(),
  version: '1.0',
  biz_content: JSON.stringify(biz),
});

describe('alipay simulator gateway.do', () => {
  it('precreate → query TRADE_NOT_EXIST → pay → query TRADE_SUCCESS (SDK verifies every response signature)', async () => {
    const outTradeNo = orderNo();
    const pre = await exec('alipay.trade.precreate', { out_trade_no: outTradeNo, total_amount: '88.88', subject: '2 tickets' });
    expect(pre.code).toBe('10000');
    expect(pre.out_trade_no).toBe(outTradeNo);
    expect(pre.qr_code).toMatch(new RegExp(`^${url}/sandbox/alipay/qr/bax[0-9a-z]{22}$`));

    const before = await exec('alipay.trade.query', { out_trade_no: outTradeNo });
    expect(before).toMatchObject({ code: '40004', sub_code: 'ACQ.TRADE_NOT_EXIST' });

    const paid = await fetch(`${url}/sandbox/alipay/_payer/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ reference: pre.qr_code, outcome: 'success' }),
    });
    expect(paid.status).toBe(200);
    expect(await paid.json()).toMatchObject({ out_trade_no: outTradeNo, trade_status: 'TRADE_SUCCESS' });

    const after = await exec('alipay.trade.query', { out_trade_no: outTradeNo });
    expect(after).toMatchObject({ code: '10000', trade_status: 'TRADE_SUCCESS', total_amount: '88.88', receipt_amount: '88.88' });
    expect(after.trade_no).toMatch(/^\d{8}22001\d{15}$/);
    expect(after.buyer_logon_id).toMatch(/^\d{3}\*{4}\d{4}$/);
    expect(after.send_pay_date).toMatch(GMT8_DATETIME);
    // GMT+8 regardless of this process's TZ: parsing it as +08:00 gives "now".
    expect(Math.abs(gmt8ToEpoch(after.send_pay_date as string) - Date.now())).toBeLessThan(5000);

    const byTradeNo = await exec('alipay.trade.query', { trade_no: after.trade_no });
    expect(byTradeNo.out_trade_no).toBe(outTradeNo);
  });

  it('signs the exact response text, with slashes escaped like Alipay (checked with plain node:crypto)', async () => {
    const outTradeNo = orderNo();
    const { status, body } = await rawCall(
      common('alipay.trade.precreate', { out_trade_no: outTradeNo, total_amount: '1.00', subject: '商品/测试' }),
    );
    expect(status).toBe(200);
    const node = rawNode(body, 'alipay_trade_precreate_response');
    expect(node).toContain('"qr_code":"http:\\/\\/127.0.0.1');
    expect(node).toContain('"code":"10000","msg":"Success"');
    const { sign } = JSON.parse(body) as { sign: string };
    expect(verifyRsa2(node, sign, sim.alipayPublicKeyPem)).toBe(true);
    // Re-serialising the parsed node changes the bytes, so it would not verify: clients must use raw text.
    const reserialised = JSON.stringify((JSON.parse(body) as Record<string, unknown>).alipay_trade_precreate_response);
    expect(verifyRsa2(reserialised, sign, sim.alipayPublicKeyPem)).toBe(false);
  });

  it('rejects a request signed with the wrong key with isv.invalid-signature', async () => {
    const wrong = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    const impostor = new AlipaySdk({ appId, privateKey: wrong, alipayPublicKey: sim.alipayPublicKeyPem, gateway, camelcase: false });
    const res = await exec('alipay.trade.query', { out_trade_no: 'x1' }, impostor);
    expect(res).toMatchObject({ code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.invalid-signature' });
    expect(res.sub_msg).toContain('method=alipay.trade.query');
  });

  it('rejects a tampered parameter, a missing sign, an unknown app, a bad timestamp, RSA1 and an unknown method', async () => {
    const params = common('alipay.trade.query', { out_trade_no: 'x2' });
    const signed = signRequest(params, privateKey);
    const tampered = { ...signed, biz_content: JSON.stringify({ out_trade_no: 'x3' }) };
    const res = await fetch(gateway, { method: 'POST', body: new URLSearchParams(tampered) });
    expect(JSON.parse(await res.text()).alipay_trade_query_response.sub_code).toBe('isv.invalid-signature');

    const noSign = await fetch(gateway, { method: 'POST', body: new URLSearchParams(params) });
    expect(JSON.parse(await noSign.text()).alipay_trade_query_response).toMatchObject({ code: '40001', sub_code: 'isv.missing-signature' });

    const sub = async (p: Record<string, string>, key = 'alipay_trade_query_response') =>
      (JSON.parse((await rawCall(p)).body) as Record<string, Record<string, string>>)[key]?.sub_code;
    expect(await sub({ ...params, app_id: '2021000000000000' })).toBe('isv.invalid-app-id');
    expect(await sub({ ...params, timestamp: '2024/01/01 10:00:00' })).toBe('isv.invalid-timestamp');
    expect(await sub({ ...params, sign_type: 'RSA' })).toBe('isv.invalid-signature-type');
    expect(await sub({ ...params, charset: 'gbk' })).toBe('isv.invalid-charset');
    expect(await sub({ ...params, method: 'alipay.trade.nope' }, 'alipay_trade_nope_response')).toBe('isv.invalid-method');
    expect(await sub({ ...params, biz_content: '{not json' })).toBe('isv.invalid-parameter');
  });

  it('validates total_amount and out_trade_no and handles duplicate precreates', async () => {
    const bad = ['0', '0.00', '0.001', '-1', '1e3', '100000000.01', '01.00', '1.', ''];
    for (const amount of bad) {
      const res = await exec('alipay.trade.precreate', { out_trade_no: orderNo(), total_amount: amount, subject: 's' });
      expect(res.sub_code, `amount ${JSON.stringify(amount)}`).toBe('ACQ.INVALID_PARAMETER');
    }
    const max = await exec('alipay.trade.precreate', { out_trade_no: orderNo(), total_amount: '100000000.00', subject: 's' });
    expect(max.code).toBe('10000');
    const long = await exec('alipay.trade.precreate', { out_trade_no: 'x'.repeat(65), total_amount: '1.00', subject: 's' });
    expect(long.sub_code).toBe('ACQ.INVALID_PARAMETER');

    const outTradeNo = orderNo();
    const first = await exec('alipay.trade.precreate', { out_trade_no: outTradeNo, total_amount: '9.90', subject: 's' });
    const again = await exec('alipay.trade.precreate', { out_trade_no: outTradeNo, total_amount: '9.9', subject: 's' });
    expect(again.qr_code).toBe(first.qr_code);
    const changed = await exec('alipay.trade.precreate', { out_trade_no: outTradeNo, total_amount: '9.91', subject: 's' });
    expect(changed).toMatchObject({ code: '40004', sub_code: 'ACQ.CONTEXT_INCONSISTENT' });
    await sim.pay(outTradeNo, 'success');
    const afterPay = await exec('alipay.trade.precreate', { out_trade_no: outTradeNo, total_amount: '9.90', subject: 's' });
    expect(afterPay.sub_code).toBe('ACQ.TRADE_HAS_SUCCESS');
  });

  it('close: unscanned → TRADE_NOT_EXIST but unpayable; scanned → TRADE_CLOSED; paid → TRADE_STATUS_ERROR', async () => {
    const unscanned = orderNo();
    await exec('alipay.trade.precreate', { out_trade_no: unscanned, total_amount: '5.00', subject: 's' });
    expect((await exec('alipay.trade.close', { out_trade_no: unscanned })).sub_code).toBe('ACQ.TRADE_NOT_EXIST');
    await expect(sim.pay(unscanned, 'success')).rejects.toMatchObject({ statusCode: 409, code: 'TRADE_CLOSED' });

    const scanned = orderNo();
    await exec('alipay.trade.precreate', { out_trade_no: scanned, total_amount: '5.00', subject: 's' });
    expect((await sim.scan(scanned)).trade_status).toBe('WAIT_BUYER_PAY');
    expect((await exec('alipay.trade.query', { out_trade_no: scanned })).trade_status).toBe('WAIT_BUYER_PAY');
    const closed = await exec('alipay.trade.close', { out_trade_no: scanned });
    expect(closed).toMatchObject({ code: '10000', out_trade_no: scanned });
    expect((await exec('alipay.trade.query', { out_trade_no: scanned })).trade_status).toBe('TRADE_CLOSED');
    await expect(sim.pay(scanned, 'success')).rejects.toMatchObject({ statusCode: 409 });

    const paid = orderNo();
    await exec('alipay.trade.precreate', { out_trade_no: paid, total_amount: '5.00', subject: 's' });
    await sim.pay(paid, 'success');
    expect((await exec('alipay.trade.close', { out_trade_no: paid })).sub_code).toBe('ACQ.TRADE_STATUS_ERROR');
    await expect(sim.pay(paid, 'success')).rejects.toMatchObject({ statusCode: 409, code: 'TRADE_ALREADY_PAID' });
  });

  it('cancel refunds a paid trade; a failed payment leaves the trade open (issue 13: the buyer may pay another way)', async () => {
    const paid = orderNo();
    await exec('alipay.trade.precreate', { out_trade_no: paid, total_amount: '3.00', subject: 's' });
    await sim.pay(paid, 'success');
    expect(await exec('alipay.trade.cancel', { out_trade_no: paid })).toMatchObject({ code: '10000', action: 'refund' });
    expect((await exec('alipay.trade.query', { out_trade_no: paid })).trade_status).toBe('TRADE_CLOSED');

    const failed = orderNo();
    await exec('alipay.trade.precreate', { out_trade_no: failed, total_amount: '3.00', subject: 's' });
    expect(await sim.pay(failed, 'fail')).toMatchObject({ trade_status: 'WAIT_BUYER_PAY', declined: { sub_code: 'ACQ.BUYER_BALANCE_NOT_ENOUGH' } });
    expect((await exec('alipay.trade.query', { out_trade_no: failed })).trade_status).toBe('WAIT_BUYER_PAY');
    expect((await sim.pay(failed, 'success')).trade_status).toBe('TRADE_SUCCESS');
  });

  it('refuses to pay an expired trade', async () => {
    const expired = orderNo();
    const past = new Date(Date.now() + 8 * 3600_000 - 60_000).toISOString().slice(0, 19).replace('T', ' ');
    await exec('alipay.trade.precreate', { out_trade_no: expired, total_amount: '1.00', subject: 's', time_expire: past });
    const res = await fetch(`${url}/sandbox/alipay/_payer/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ reference: expired, outcome: 'success' }),
    });
    expect(res.status).toBe(410);
    expect(await res.json()).toMatchObject({ error: { code: 'TRADE_EXPIRED' } });
    const badExpress = await exec('alipay.trade.precreate', { out_trade_no: orderNo(), total_amount: '1.00', subject: 's', timeout_express: '2w' });
    expect(badExpress.sub_code).toBe('ACQ.INVALID_PARAMETER');
  });

  it('serves a SANDBOX wallet page for the QR code', async () => {
    const outTradeNo = orderNo();
    const pre = await exec('alipay.trade.precreate', { out_trade_no: outTradeNo, total_amount: '12.34', subject: '<b>Tea</b>' });
    const res = await fetch(pre.qr_code as string);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('SANDBOX');
    expect(html).toContain('12.34');
    expect(html).toContain('&lt;b&gt;Tea&lt;/b&gt;');
    expect(html).not.toContain('<b>Tea</b>');
    expect(html).toMatch(/data-outcome="success"[^>]*>Pay</);
    expect(html).toMatch(/data-outcome="fail"[^>]*>Fail</);
    expect(html).toMatch(/>Cancel</);
    expect((await fetch(`${url}/sandbox/alipay/qr/baxnotatoken`)).status).toBe(404);
  });

  it('answers malformed input with 400 and oversized bodies with 413', async () => {
    const dup = await fetch(gateway, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'app_id=1&app_id=2',
    });
    expect(dup.status).toBe(400);
    expect(((await dup.json()) as { error: { message: string } }).error.message).toContain('app_id');
    const gbk = await fetch(gateway, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=GBK' },
      body: 'a=b',
    });
    expect(gbk.status).toBe(400);
    const huge = await fetch(gateway, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `biz_content=${'x'.repeat(300 * 1024)}`,
    });
    expect(huge.status).toBe(413);
    const payJunk = await fetch(`${url}/sandbox/alipay/_payer/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ reference: 'x', outcome: 'maybe' }),
    });
    expect(payJunk.status).toBe(400);
    const notJson = await fetch(`${url}/sandbox/alipay/_payer/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"reference":',
    });
    expect(notJson.status).toBe(400);
    const unknown = await fetch(`${url}/sandbox/alipay/_payer/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ reference: 'nothing-like-this' }),
    });
    expect(unknown.status).toBe(404);
  });

  it('registers apps over HTTP with a caller-supplied public key', async () => {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const bare = pair.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    const res = await fetch(`${url}/sandbox/alipay/_apps`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ app_id: '2021000000000042', app_public_key: bare }),
    });
    expect(res.status).toBe(200);
    const creds = (await res.json()) as Record<string, string>;
    expect(creds).toEqual({ app_id: '2021000000000042', alipay_public_key: sim.alipayPublicKeyPem });
    const client = new AlipaySdk({
      appId: creds.app_id as string,
      privateKey: pair.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
      alipayPublicKey: creds.alipay_public_key as string,
      gateway,
      camelcase: false,
    });
    const pre = await exec('alipay.trade.precreate', { out_trade_no: orderNo(), total_amount: '1.00', subject: 's' }, client);
    expect(pre.code).toBe('10000');
    const junk = await fetch(`${url}/sandbox/alipay/_apps`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ app_public_key: 'not a key' }),
    });
    expect(junk.status).toBe(400);
  });
});

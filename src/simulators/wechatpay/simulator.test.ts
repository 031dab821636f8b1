/**
 * The simulator as a merchant sees it, through HTTP, with wechatpay-axios-plugin as the
 * independent client: its Formatter.authorization (a different key order than the
 * connector's) signs requests, and its Rsa.verify / Aes.AesGcm.decrypt check the answers
 * and notifications. Nothing here imports the connector.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Aes, Formatter, Rsa } from 'wechatpay-axios-plugin';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegisteredMerchant } from './admin.js';
import { RETRY_DELAYS_MS } from './notifier.js';
import { startWechatpaySimulator, WECHATPAY_SANDBOX_PREFIX } from './standalone.js';

type Sim = Awaited<ReturnType<typeof startWechatpaySimulator>>;
interface Got { status: number; body: string; json: Record<string, unknown>; headers: Headers }
interface Note { headers: http.IncomingHttpHeaders; body: string }

describe('WeChat Pay simulator', () => {
  let s: Sim;
  let m: RegisteredMerchant;
  let receiver: http.Server;
  let notifyUrl = '';
  const notes: Note[] = [];
  let answer = (_n: number) => 204;
  let seq = 0;

  beforeAll(async () => {
    s = await startWechatpaySimulator({ timeScale: 0.001 });
    m = s.sim.registerMerchant();
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => { notes.push({ headers: req.headers, body }); res.writeHead(answer(notes.length)).end(); });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    notifyUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/notify`;
  });
  afterAll(async () => {
    await s?.close();
    receiver?.closeAllConnections();
    await new Promise((r) => receiver?.close(r));
  });

  async function call(method: 'GET' | 'POST', p: string, payload?: object, o: { key?: string; mchid?: string } = {}): Promise<Got> {
    const url = `${s.url}${WECHATPAY_SANDBOX_PREFIX}${p}`;
    const body = payload === undefined ? '' : JSON.stringify(payload);
    const ts = Formatter.timestamp();
    const nonce = Formatter.nonce();
    const signature = Rsa.sign(Formatter.request(method, new URL(url).pathname + new URL(url).search, ts, nonce, body), o.key ?? m.private_key!);
    const res = await fetch(url, {
      method, body: payload === undefined ? undefined : body,
      headers: { authorization: Formatter.authorization(o.mchid ?? m.mchid, nonce, signature, ts, m.merchant_serial_no), accept: 'application/json', ...(payload ? { 'content-type': 'application/json' } : {}) },
    });
    const text = await res.text();
    // Every answer, errors included, is signed by the simulator's WeChat Pay public key.
    const h = (n: string) => res.headers.get(n) ?? '';
    expect(h('wechatpay-serial')).toBe(m.wechatpay_public_key_id);
    expect(Rsa.verify(Formatter.response(h('wechatpay-timestamp'), h('wechatpay-nonce'), text), h('wechatpay-signature'), m.wechatpay_public_key!)).toBe(true);
    return { status: res.status, body: text, json: text ? (JSON.parse(text) as Record<string, unknown>) : {}, headers: res.headers };
  }
  const order = (total = 8888, extra: object = {}) => ({
    appid: m.appid, mchid: m.mchid, description: '2 张电影票', out_trade_no: `ORDER_${Date.now()}_${++seq}`,
    time_expire: '2099-01-01T10:00:00+08:00', notify_url: notifyUrl, amount: { total, currency: 'CNY' }, ...extra,
  });
  const payer = (action: string, body: object) => fetch(`${s.url}${WECHATPAY_SANDBOX_PREFIX}/_payer/${action}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const decrypt = (n: Note) => {
    const env = JSON.parse(n.body) as { event_type: string; resource: { ciphertext: string; nonce: string; associated_data: string } };
    const h = (k: string) => String(n.headers[k]);
    expect(Rsa.verify(Formatter.response(h('wechatpay-timestamp'), h('wechatpay-nonce'), n.body), h('wechatpay-signature'), m.wechatpay_public_key!)).toBe(true);
    return { event: env.event_type, plain: JSON.parse(Aes.AesGcm.decrypt(env.resource.ciphertext, m.apiv3_key, env.resource.nonce, env.resource.associated_data)) as Record<string, unknown> };
  };
  const waitNotes = async (n: number) => { for (let i = 0; i < 400 && notes.length < n; i++) await new Promise((r) => setTimeout(r, 10)); expect(notes.length).toBeGreaterThanOrEqual(n); };

  it('refuses a bad signature, another key, an unknown mchid: 401 SIGN_ERROR (signed)', async () => {
    const other = crypto.generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    const bad = await call('POST', '/v3/pay/transactions/native', order(), { key: other.privateKey });
    expect(bad.status).toBe(401);
    expect(bad.json.code).toBe('SIGN_ERROR');
    expect((await call('GET', '/v3/pay/transactions/out-trade-no/x123456?mchid=1', undefined, { mchid: '1999999999' })).status).toBe(401);
  });

  it('NOTPAY → USERPAYING → SUCCESS with an encrypted TRANSACTION.SUCCESS retried on the schedule until 2xx', async () => {
    expect(RETRY_DELAYS_MS.map((d) => d / 1000)).toEqual([15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600]);
    const o = order();
    const created = await call('POST', '/v3/pay/transactions/native', o);
    expect(created.status).toBe(200);
    const codeUrl = String(created.json.code_url);
    expect(codeUrl).toMatch(/^weixin:\/\/wxpay\/bizpayurl\?pr=[A-Za-z0-9]+$/);
    expect((await call('POST', '/v3/pay/transactions/native', o)).json.code_url).toBe(codeUrl); // same request, same code
    const q = async () => (await call('GET', `/v3/pay/transactions/out-trade-no/${o.out_trade_no}?mchid=${m.mchid}`)).json;
    expect(await q()).toMatchObject({ trade_state: 'NOTPAY', amount: { total: 8888, currency: 'CNY' } });
    const page = await fetch(`${s.url}${WECHATPAY_SANDBOX_PREFIX}/pay/${codeUrl.split('pr=')[1]}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('88.88');
    await payer('scan', { reference: codeUrl });
    expect((await q()).trade_state).toBe('USERPAYING');
    notes.length = 0;
    answer = (n) => (n < 3 ? 500 : 204);
    expect((await payer('pay', { reference: codeUrl, outcome: 'success' })).status).toBe(200);
    await waitNotes(3);
    await new Promise((r) => setTimeout(r, 100));
    expect(notes).toHaveLength(3); // two failures, then success; no more
    const { event, plain } = decrypt(notes[2]!);
    expect(event).toBe('TRANSACTION.SUCCESS');
    expect(plain).toMatchObject({ mchid: m.mchid, appid: m.appid, out_trade_no: o.out_trade_no, trade_state: 'SUCCESS', amount: { total: 8888, currency: 'CNY' } });
    expect(notes[0]!.body).toBe(notes[2]!.body); // same id and resource on every retry
    expect(await q()).toMatchObject({ trade_state: 'SUCCESS', transaction_id: plain.transaction_id });
    expect((await call('POST', `/v3/pay/transactions/out-trade-no/${o.out_trade_no}/close`, { mchid: m.mchid })).json.code).toBe('ORDERPAID');
    answer = () => 204;
  });

  it('close → 204, then payment is refused; PAYERROR on a failed payment', async () => {
    const o = order(100);
    const created = await call('POST', '/v3/pay/transactions/native', o);
    const closed = await call('POST', `/v3/pay/transactions/out-trade-no/${o.out_trade_no}/close`, { mchid: m.mchid });
    expect([closed.status, closed.body]).toEqual([204, '']);
    expect((await payer('pay', { reference: String(created.json.code_url) })).status).toBe(409);
    const f = order(100);
    await call('POST', '/v3/pay/transactions/native', f);
    expect(((await (await payer('pay', { reference: f.out_trade_no, outcome: 'fail' })).json()) as { trade_state: string }).trade_state).toBe('PAYERROR');
  });

  it('refunds: PROCESSING → SUCCESS with REFUND.SUCCESS; idempotent out_refund_no; never more than paid', async () => {
    const o = order(1000);
    await call('POST', '/v3/pay/transactions/native', o);
    notes.length = 0;
    await payer('pay', { reference: o.out_trade_no });
    await waitNotes(1);
    expect(decrypt(notes[0]!).event).toBe('TRANSACTION.SUCCESS');
    notes.length = 0;
    const req = { out_trade_no: o.out_trade_no, out_refund_no: `R${seq}`, notify_url: notifyUrl, amount: { refund: 600, total: 1000, currency: 'CNY' } };
    const r = await call('POST', '/v3/refund/domestic/refunds', req);
    expect(r.json).toMatchObject({ status: 'PROCESSING', out_refund_no: req.out_refund_no, amount: { refund: 600, total: 1000 } });
    expect((await call('POST', '/v3/refund/domestic/refunds', req)).json.refund_id).toBe(r.json.refund_id);
    expect((await call('POST', '/v3/refund/domestic/refunds', { ...req, out_refund_no: 'R-over' })).json.code).toBe('INVALID_REQUEST');
    await waitNotes(1);
    const { event, plain } = decrypt(notes[0]!);
    expect(event).toBe('REFUND.SUCCESS');
    expect(plain).toMatchObject({ mchid: m.mchid, out_trade_no: o.out_trade_no, out_refund_no: req.out_refund_no, refund_status: 'SUCCESS', amount: { refund: 600, total: 1000 } });
    expect((await call('GET', `/v3/refund/domestic/refunds/${req.out_refund_no}`)).json.status).toBe('SUCCESS');
    expect((await call('GET', `/v3/pay/transactions/out-trade-no/${o.out_trade_no}?mchid=${m.mchid}`)).json.trade_state).toBe('REFUND');
  });

  it('a refund made in the merchant portal: WeChat numbers it, notifies the order notify_url with REFUND.SUCCESS, the refund API shows it', async () => {
    const o = order(1000);
    await call('POST', '/v3/pay/transactions/native', o);
    const portal = (body: object) => fetch(`${s.url}${WECHATPAY_SANDBOX_PREFIX}/_portal/refunds`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await portal({ mchid: m.mchid, out_trade_no: o.out_trade_no, amount: 100 })).status).toBe(400); // not paid yet
    notes.length = 0;
    await payer('pay', { reference: o.out_trade_no });
    await waitNotes(1);
    notes.length = 0;
    const res = await portal({ mchid: m.mchid, out_trade_no: o.out_trade_no, amount: 300, reason: '客服退款' });
    expect(res.status).toBe(200);
    const r = (await res.json()) as { out_refund_no: string; refund_id: string; status: string };
    expect(r.status).toBe('PROCESSING');
    // Digits chosen by WeChat Pay, never the merchant's re_… reference.
    expect(r.out_refund_no).toMatch(/^\d{29}$/);
    expect(r.out_refund_no).not.toBe(r.refund_id);
    await waitNotes(1);
    const { event, plain } = decrypt(notes[0]!);
    expect(event).toBe('REFUND.SUCCESS');
    expect(plain).toMatchObject({ mchid: m.mchid, out_trade_no: o.out_trade_no, out_refund_no: r.out_refund_no, refund_id: r.refund_id, refund_status: 'SUCCESS', amount: { refund: 300, total: 1000 } });
    expect((await call('GET', `/v3/refund/domestic/refunds/${r.out_refund_no}`)).json).toMatchObject({ status: 'SUCCESS', refund_id: r.refund_id });
    // The portal and the API share one limit: 700 fen are left.
    expect((await portal({ mchid: m.mchid, out_trade_no: o.out_trade_no, amount: 701 })).status).toBe(400);
    const api = await call('POST', '/v3/refund/domestic/refunds', { out_trade_no: o.out_trade_no, out_refund_no: `R${seq}p`, amount: { refund: 701, total: 1000, currency: 'CNY' } });
    expect(api.json.code).toBe('INVALID_REQUEST');
    expect((await portal({ mchid: m.mchid, out_trade_no: 'NOPE_000001', amount: 1 })).status).toBe(404);
  });

  it('trade bill: signed SHA1 + download_url; file has BOM, backtick cells, summary; castCsvBill reads it', async () => {
    const day = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
    for (const gzip of [false, true]) {
      const meta = await call('GET', `/v3/bill/tradebill?bill_date=${day}&bill_type=ALL${gzip ? '&tar_type=GZIP' : ''}`);
      expect(meta.json.hash_type).toBe('SHA1');
      const u = new URL(String(meta.json.download_url));
      const file = await call('GET', `${u.pathname.slice(WECHATPAY_SANDBOX_PREFIX.length)}${u.search}`).catch(() => undefined);
      expect(file).toBeUndefined(); // the download is NOT signed: the signature check in call() must fail
      const ts = Formatter.timestamp();
      const nonce = Formatter.nonce();
      const sig = Rsa.sign(Formatter.request('GET', u.pathname + u.search, ts, nonce), m.private_key!);
      const res = await fetch(u, { headers: { authorization: Formatter.authorization(m.mchid, nonce, sig, ts, m.merchant_serial_no) } });
      const bytes = Buffer.from(await res.arrayBuffer());
      expect(crypto.createHash('sha1').update(bytes).digest('hex')).toBe(meta.json.hash_value);
      const csv = gzip ? gunzipSync(bytes) : bytes;
      expect(csv.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
      const bill = Formatter.castCsvBill(csv) as { rows: Array<Record<string, string>>; summary: Record<string, string> };
      expect(bill.rows.some((r) => r['交易状态'] === 'SUCCESS' && r['应结订单金额'] === '88.88')).toBe(true);
      expect(bill.rows.some((r) => r['交易状态'] === 'REFUND' && r['退款金额'] === '6.00')).toBe(true);
      expect(Number(bill.summary['总交易单数'])).toBe(bill.rows.length);
      expect(csv.toString('utf8').split('\r\n')[1]!.startsWith('`')).toBe(true);
    }
  });

  it('faults: error_rate gives a signed 500 SYSTEM_ERROR; keys persist in the data dir', async () => {
    s.sim.setFaults({ error_rate: 1 });
    try {
      expect((await call('POST', '/v3/pay/transactions/native', order())).json.code).toBe('SYSTEM_ERROR');
    } finally {
      s.sim.setFaults({ error_rate: 0 });
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wxsim-'));
    try {
      const a = await startWechatpaySimulator({ dataDir: dir });
      const id = a.sim.keys.publicKeyMode.serial;
      const reg = a.sim.registerMerchant({ mchid: '1900000555' });
      await a.close();
      const b = await startWechatpaySimulator({ dataDir: dir });
      expect(b.sim.keys.publicKeyMode.serial).toBe(id);
      expect(b.sim.keys.certificateMode.certificatePem).toBe(a.sim.keys.certificateMode.certificatePem);
      expect(reg.wechatpay_public_key_id).toBe(id);
      await b.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

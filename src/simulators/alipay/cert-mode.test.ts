/**
 * The sandbox in certificate mode, with the official alipay-sdk configured with the three
 * files it hands out as the client: requests the SDK sends are accepted (app_cert_sn and
 * alipay_root_cert_sn checked on every one), answers pass checkResponseSign and carry
 * alipay_cert_sn, notifications pass checkNotifySign; after a rotation the new certificate
 * signs and the old stays downloadable.
 */
import { AlipaySdk } from 'alipay-sdk';
import { createPrivateKey, randomUUID, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { sandboxCertSn } from './ca.js';
import { AlipaySimulator } from './index.js';
import type { RegisteredCertApp } from './admin.js';
import { nowGmt8Timestamp, rawNode, signRequest, simulatorSuite, verifyRsa2, waitFor } from './testkit.js';

const suite = simulatorSuite();
const { receiver } = suite;
let sim: AlipaySimulator;
let gateway: string;
let app: RegisteredCertApp;

const sdkWith = (alipayPublicCert: string, a: RegisteredCertApp = app) =>
  new AlipaySdk({
    appId: a.app_id, privateKey: a.private_key as string, appCertContent: a.app_cert, alipayPublicCertContent: alipayPublicCert,
    alipayRootCertContent: a.alipay_root_cert, gateway, camelcase: false,
  });
const orderNo = () => `C${randomUUID().replace(/-/g, '')}`;

beforeAll(async () => {
  sim = suite.sim;
  gateway = `${suite.url}/sandbox/alipay/gateway.do`;
  const res = await fetch(`${suite.url}/sandbox/alipay/_apps`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mode: 'certificate' }) });
  expect(res.status).toBe(200);
  app = (await res.json()) as RegisteredCertApp;
});

describe('alipay simulator, certificate mode', () => {
  it('hands out the three files shaped like Alipay\'s: app leaf; Alipay leaf + its CA; two RSA roots', () => {
    expect(Object.keys(app).sort()).toEqual(['alipay_public_cert', 'alipay_root_cert', 'app_cert', 'app_id', 'private_key']);
    const count = (pem: string) => pem.match(/BEGIN CERTIFICATE/g)?.length;
    expect([count(app.app_cert), count(app.alipay_public_cert), count(app.alipay_root_cert)]).toEqual([1, 2, 2]);
    const appCert = new X509Certificate(app.app_cert);
    expect(appCert.checkPrivateKey(createPrivateKey(app.private_key as string))).toBe(true);
    const sdk = sdkWith(app.alipay_public_cert);
    expect(sdk.config.appCertSn).toBe(sandboxCertSn(app.app_cert));
    expect(sdk.config.alipayRootCertSn).toMatch(/^[0-9a-f]{32}_[0-9a-f]{32}$/);
  });

  it('accepts what alipay-sdk sends, answers with alipay_cert_sn and a signature checkResponseSign accepts', async () => {
    const sdk = sdkWith(app.alipay_public_cert);
    const out = orderNo();
    const pre = await sdk.exec('alipay.trade.precreate', { notify_url: receiver.url, bizContent: { out_trade_no: out, total_amount: '12.34', subject: 'cert' } }, { validateSign: true });
    expect(pre).toMatchObject({ code: '10000', out_trade_no: out });
    await sim.pay(out, 'success');
    const q = await sdk.exec('alipay.trade.query', { bizContent: { out_trade_no: out } }, { validateSign: true });
    expect(q).toMatchObject({ code: '10000', trade_status: 'TRADE_SUCCESS', total_amount: '12.34' });
    const n = await waitFor(() => receiver.forTrade(out).some((r) => r.fields.trade_status === 'TRADE_SUCCESS'), 5000, 'notification').then(
      () => receiver.forTrade(out).find((r) => r.fields.trade_status === 'TRADE_SUCCESS'),
    );
    expect(n?.fields.alipay_cert_sn).toBe(sdk.config.alipayCertSn);
    expect(sdk.checkNotifySignV2(n?.fields)).toBe(true);
    expect(sdk.checkNotifySignV2({ ...n?.fields, total_amount: '99.99' })).toBe(false);
  });

  it('checks app_cert_sn and alipay_root_cert_sn on every request', async () => {
    const sdk = sdkWith(app.alipay_public_cert);
    const common = {
      app_id: app.app_id, method: 'alipay.trade.query', charset: 'utf-8', sign_type: 'RSA2', timestamp: nowGmt8Timestamp(), version: '1.0',
      biz_content: JSON.stringify({ out_trade_no: 'nope' }), app_cert_sn: sdk.config.appCertSn, alipay_root_cert_sn: sdk.config.alipayRootCertSn,
    };
    const call = async (params: Record<string, string>) => {
      const res = await fetch(gateway, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' }, body: new URLSearchParams(signRequest(params, app.private_key as string)).toString() });
      const body = await res.text();
      return { body, node: JSON.parse(rawNode(body, 'alipay_trade_query_response')) as Record<string, string> };
    };
    expect((await call(common)).node.sub_code).toBe('ACQ.TRADE_NOT_EXIST');
    const cases: Array<[Record<string, string>, string]> = [
      [{ ...common, app_cert_sn: '0'.repeat(32) }, 'isv.invalid-app-cert-sn'],
      [{ ...common, alipay_root_cert_sn: sdk.config.alipayRootCertSn.split('_')[0] ?? '' }, 'isv.invalid-alipay-root-cert-sn'],
      [{ ...common, app_cert_sn: '' }, 'isv.missing-app-cert-sn'],
      [{ ...common, alipay_root_cert_sn: '' }, 'isv.missing-alipay-root-cert-sn'],
    ];
    for (const [params, subCode] of cases) {
      const { body, node } = await call(params);
      expect(node.sub_code).toBe(subCode);
      // Even refusals are signed with the certificate and name it.
      const sign = (JSON.parse(body) as { sign: string; alipay_cert_sn: string });
      expect(sign.alipay_cert_sn).toBe(sdk.config.alipayCertSn);
      expect(() => sdk.checkResponseSign(body, 'alipay_trade_query_response', sign.sign, '')).not.toThrow();
    }
    // A public-key app sending certificate parameters is refused too.
    const pk = sim.registerApp();
    const res = await fetch(gateway, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' }, body: new URLSearchParams(signRequest({ ...common, app_id: pk.app_id }, pk.private_key as string)).toString() });
    const body = await res.text();
    expect(JSON.parse(rawNode(body, 'alipay_trade_query_response'))).toMatchObject({ code: '40002', sub_code: 'isv.invalid-parameter' });
    expect(body).not.toContain('alipay_cert_sn');
    expect(verifyRsa2(rawNode(body, 'alipay_trade_query_response'), (JSON.parse(body) as { sign: string }).sign, sim.alipayPublicKeyPem)).toBe(true);
  });

  it('rotates: announced ahead the old certificate still signs; then the new one does, the old one stays downloadable', async () => {
    const before = sdkWith(app.alipay_public_cert);
    // Announced 3 s ahead: the query with the old certificate must finish inside that window even on a loaded machine.
    const res = await fetch(`${suite.url}/sandbox/alipay/_alipay_cert/rotate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ activate_in_ms: 3000 }) });
    const rotated = (await res.json()) as { alipay_cert_sn: string; alipay_public_cert: string; active_from: number };
    const after = sdkWith(rotated.alipay_public_cert);
    expect(rotated.alipay_cert_sn).toBe(after.config.alipayCertSn);
    expect(rotated.alipay_cert_sn).not.toBe(before.config.alipayCertSn);
    const query = (sdk: AlipaySdk) => sdk.exec('alipay.trade.query', { bizContent: { out_trade_no: 'nope' } }, { validateSign: true });
    await expect(query(before)).resolves.toMatchObject({ sub_code: 'ACQ.TRADE_NOT_EXIST' });
    await waitFor(() => Date.now() > rotated.active_from, 8000, 'activation');
    await expect(query(before)).rejects.toThrow(/验签失败/);
    await expect(query(after)).resolves.toMatchObject({ sub_code: 'ACQ.TRADE_NOT_EXIST' });
    for (const [sn, file] of [[before.config.alipayCertSn, app.alipay_public_cert], [rotated.alipay_cert_sn, rotated.alipay_public_cert]] as const) {
      const d = await after.exec('alipay.open.app.alipaycert.download', { bizContent: { alipay_cert_sn: sn } }, { validateSign: true });
      expect(Buffer.from(String(d.alipay_cert_content), 'base64').toString('utf8')).toBe(file);
    }
    await expect(after.exec('alipay.open.app.alipaycert.download', { bizContent: { alipay_cert_sn: 'f'.repeat(32) } })).resolves.toMatchObject({ code: '40004' });
  });

  it('keeps its CA and rotated certificates across a restart in the same data dir', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'alipay-sim-ca-'));
    try {
      const a = new AlipaySimulator({ dataDir: dir, publicBaseUrl: () => 'http://127.0.0.1' });
      const first = a.registerCertApp({ appId: 'persisted_cert_app' });
      const rotated = a.rotateAlipayCert(0);
      const registered = a.registerCertApp({ appId: 'persisted_cert_app', appPublicKeyPem: new X509Certificate(first.app_cert).publicKey.export({ type: 'spki', format: 'pem' }).toString() });
      expect(registered.alipay_public_cert).toBe(rotated.alipay_public_cert);
      await a.close();
      const b = new AlipaySimulator({ dataDir: dir, publicBaseUrl: () => 'http://127.0.0.1' });
      const again = b.registerCertApp({ appId: 'persisted_cert_app', appPublicKeyPem: new X509Certificate(registered.app_cert).publicKey.export({ type: 'spki', format: 'pem' }).toString() });
      expect(again.alipay_root_cert).toBe(registered.alipay_root_cert);
      expect(again.alipay_public_cert).toBe(registered.alipay_public_cert);
      await b.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

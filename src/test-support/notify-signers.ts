/**
 * Test support: full, realistic provider notifications carrying a buyer's personal data
 * and the provider's secrets, each signed as the provider signs it with the keys of the
 * in-process simulator (what the real provider would hold) and written out independently
 * of the connectors. `sensitive` lists every value that must never be stored or logged in
 * clear. PayPal comes from the simulator's own webhook flow instead (see notify-privacy.test.ts).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { loadAccount } from '../app/accounts.js';
import type { Gateway } from './harness.js';
import { encryptedNotification, readSimKeys, signedHeaders, transactionPlaintext } from './wechatpay-kit.js';

export interface SignedNotification { headers: Record<string, string>; body: string; sensitive: string[] }
/** `over` replaces fields of the notification (Alipay: form fields; Stripe: fields of data.object) before signing. */
export type Signer = (reference: string, amount: number, over?: Record<string, unknown>) => SignedNotification;

const FORM = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };
const sandboxFile = <T>(gw: Gateway, name: string) => JSON.parse(fs.readFileSync(path.join(gw.dataDir, 'sandbox', name), 'utf8')) as T;
const credentialsOf = async <T>(gw: Gateway, accountId: string) => (await loadAccount(gw.rt.ctx, accountId))!.credentials as T;
const yuan = (fen: number) => `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;

export async function alipaySigner(gw: Gateway, accountId: string): Promise<Signer> {
  const key = crypto.createPrivateKey(sandboxFile<{ alipay_private_key: string }>(gw, 'alipay-keys.json').alipay_private_key);
  const { appId } = await credentialsOf<{ appId: string }>(gw, accountId);
  return (ref, amount, over = {}) => {
    const fields: Record<string, string> = {
      notify_time: '2026-11-25 20:00:01', notify_type: 'trade_status_sync', notify_id: crypto.randomUUID().replace(/-/g, ''), app_id: appId, charset: 'utf-8',
      version: '1.0', sign_type: 'RSA2', trade_no: `2026112522${Date.now()}`, out_trade_no: ref, buyer_id: '2088102177846880',
      buyer_open_id: '074a1CcTG1LelxKe4xQC0zgNdId0nxi95b5lsNpazWYoCo5', buyer_logon_id: 'li.si@example.com', seller_id: '2088102177649450',
      seller_email: 'owner.wang@example.com', trade_status: 'TRADE_SUCCESS', total_amount: yuan(amount), receipt_amount: yuan(amount), buyer_pay_amount: yuan(amount),
      gmt_create: '2026-11-25 19:59:40', gmt_payment: '2026-11-25 20:00:00', subject: 'tickets', passback_params: 'mobile=13800138000',
      fund_bill_list: '[{"amount":"1.00","fundChannel":"BANKCARD","bankCode":"CMB","cardNo":"6225880000000000"}]',
      ...(over as Record<string, string>),
    };
    const content = Object.keys(fields).filter((k) => k !== 'sign_type').sort().map((k) => `${k}=${fields[k]}`).join('&');
    const sign = crypto.sign('sha256', Buffer.from(content, 'utf8'), key).toString('base64');
    return {
      headers: FORM, body: new URLSearchParams({ ...fields, sign }).toString(),
      sensitive: ['2088102177846880', '074a1CcTG1LelxKe4xQC0zgNdId0nxi95b5lsNpazWYoCo5', 'li.si@example.com', 'owner.wang@example.com', '13800138000', '6225880000000000', sign],
    };
  };
}

export async function wechatpaySigner(gw: Gateway, accountId: string): Promise<Signer> {
  const keys = readSimKeys(path.join(gw.dataDir, 'sandbox'));
  const c = await credentialsOf<{ mchid: string; appid: string; apiv3Key: Buffer }>(gw, accountId);
  return (ref, amount) => {
    const plaintext = transactionPlaintext(c, ref, amount, {
      payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjPriv4t' }, attach: 'for chen.jing@example.com', scene_info: { device_id: 'POS-DEVICE-7781' },
    });
    const body = encryptedNotification({ apiv3Key: c.apiv3Key.toString('utf8'), eventType: 'TRANSACTION.SUCCESS', plaintext });
    const headers = signedHeaders(body, keys.publicKeyPrivate, keys.publicKeyId);
    const ciphertext = (JSON.parse(body) as { resource: { ciphertext: string } }).resource.ciphertext;
    return { headers, body, sensitive: ['oUpF8uMuAJO_M2pxb1Q9zNjPriv4t', 'chen.jing@example.com', 'POS-DEVICE-7781', ciphertext.slice(0, 48), headers['wechatpay-signature']!] };
  };
}

/** ACP 5.1.0 signMethod 01: SHA-256 hex of the sorted fields, signed SHA256withRSA. */
export async function unionpaySigner(gw: Gateway, accountId: string): Promise<Signer> {
  const ca = sandboxFile<{ signCertPem: string; signKeyPem: string }>(gw, 'unionpay-ca.json');
  const { merId } = await credentialsOf<{ merId: string }>(gw, accountId);
  const customerInfo = Buffer.from('{phoneNo=13552535506&customerNm=张三}', 'utf8').toString('base64');
  return (ref, amount) => {
    const fields: Record<string, string> = {
      version: '5.1.0', encoding: 'utf-8', signMethod: '01', accessType: '0', bizType: '000000', txnType: '01', txnSubType: '01', merId,
      orderId: ref.slice(4), txnTime: '20261125200000', txnAmt: String(amount), currencyCode: '156', queryId: `2026112520${String(Date.now()).slice(-11)}`,
      respCode: '00', respMsg: 'success', reqReserved: ref, accNo: '6216261000000000018', payCardNo: '6216261000000000018', payCardIssueName: '招商银行',
      customerInfo, bindId: 'BIND-4471-ZHANGSAN', signPubKeyCert: ca.signCertPem,
    };
    const text = Object.keys(fields).sort().map((k) => `${k}=${fields[k]}`).join('&');
    const signature = crypto.sign('sha256', Buffer.from(crypto.createHash('sha256').update(text, 'utf8').digest('hex'), 'utf8'), ca.signKeyPem).toString('base64');
    const certBody = ca.signCertPem.split('\n')[3] ?? '';
    return { headers: FORM, body: new URLSearchParams({ ...fields, signature }).toString(), sensitive: ['6216261000000000018', customerInfo, 'BIND-4471-ZHANGSAN', signature, certBody] };
  };
}

/** Stripe-Signature t=…,v1=HMAC-SHA256(secret, `${t}.${body}`) over a pretty-printed event, as Stripe sends it. */
export async function stripeSigner(gw: Gateway, accountId: string): Promise<Signer> {
  const { webhookSecret } = await credentialsOf<{ webhookSecret: string }>(gw, accountId);
  return (ref, amount, over = {}) => {
    const pi = `pi_3Q${crypto.randomBytes(8).toString('hex')}`;
    const clientSecret = `cs_test_${crypto.randomBytes(6).toString('hex')}_secret_${crypto.randomBytes(10).toString('hex')}`;
    const event = {
      id: `evt_${crypto.randomBytes(12).toString('hex')}`, object: 'event', api_version: '2024-06-20', created: Math.floor(Date.now() / 1000), type: 'checkout.session.completed', livemode: false,
      data: {
        object: {
          id: `cs_test_${crypto.randomBytes(12).toString('hex')}`, object: 'checkout.session', status: 'complete', payment_status: 'paid', amount_total: amount, amount_subtotal: amount,
          currency: 'usd', payment_intent: pi, client_secret: clientSecret, customer: 'cus_QpRivAtE00buyer', customer_email: 'mia.schmidt@example.com',
          customer_details: { email: 'mia.schmidt@example.com', name: 'Mia Schmidt', phone: '+4915112345678', address: { line1: 'Hauptstraße 5', city: 'Berlin', postal_code: '10115', country: 'DE' } },
          shipping_details: { name: 'Mia Schmidt', address: { line1: 'Hauptstraße 5' } }, metadata: { paygate_reference: ref, loyalty_card: 'LOYAL-99812' },
          payment_method_details: { card: { last4: '4242', fingerprint: 'Xt5EWLLDS7FJjR1c' } },
          ...over,
        },
      },
    };
    const body = JSON.stringify(event, null, 2);
    const t = Math.floor(Date.now() / 1000);
    const signature = `t=${t},v1=${crypto.createHmac('sha256', webhookSecret).update(`${t}.${body}`).digest('hex')}`;
    return {
      headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': signature }, body,
      sensitive: [clientSecret, 'cus_QpRivAtE00buyer', 'mia.schmidt@example.com', 'Mia Schmidt', '+4915112345678', 'Hauptstraße 5', 'LOYAL-99812', 'Xt5EWLLDS7FJjR1c', signature.split('v1=')[1]!],
    };
  };
}

/** Forms keep their percent-encoding when stored, so each value is looked for in both spellings. */
export function spellings(value: string): string[] {
  return [...new Set([value, encodeURIComponent(value), new URLSearchParams({ v: value }).toString().slice(2)])];
}

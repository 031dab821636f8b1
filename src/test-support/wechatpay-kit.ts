/**
 * Test support for WeChat Pay suites: notifications built with the independent oracle
 * (wechatpay-axios-plugin: Aes.AesGcm.encrypt, Rsa.sign, Formatter.response), never with
 * the connector's or the simulator's code, plus certificates made with node-forge.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import forge from 'node-forge';
import { Aes, Formatter, Rsa } from 'wechatpay-axios-plugin';
import { derSerialHex } from '../simulators/common/certs.js';
import { newSerial } from '../simulators/wechatpay/ids.js';

export interface WxCredentials {
  mchid: string;
  appid: string;
  merchant_serial_no: string;
  private_key: string;
  apiv3_key: string;
  wechatpay_public_key_id?: string;
  wechatpay_public_key?: string;
  platform_certificates?: string[];
}

export interface SimKeys {
  publicKeyId: string;
  publicKeyPrivate: crypto.KeyObject;
  publicKey: crypto.KeyObject;
  certificate: string;
  certificatePrivate: crypto.KeyObject;
}

/** The simulator's "WeChat Pay" keys, read from its key file: what real WeChat Pay would sign with. */
export function readSimKeys(sandboxDir: string): SimKeys {
  const f = JSON.parse(fs.readFileSync(path.join(sandboxDir, 'wechatpay-keys.json'), 'utf8')) as Record<string, string>;
  return {
    publicKeyId: f.public_key_id!,
    publicKeyPrivate: crypto.createPrivateKey(f.public_key_private!),
    publicKey: crypto.createPublicKey(f.public_key!),
    certificate: f.certificate!,
    certificatePrivate: crypto.createPrivateKey(f.certificate_private!),
  };
}

export interface NotificationSpec {
  apiv3Key: string;
  eventType: string;
  plaintext: Record<string, unknown>;
  associatedData?: string;
  id?: string;
}

/** The JSON envelope of a notification, its resource sealed by the oracle's AES-GCM. */
export function encryptedNotification(s: NotificationSpec): string {
  const nonce = Formatter.nonce(12);
  const aad = s.associatedData ?? (s.eventType.startsWith('REFUND') ? 'refund' : 'transaction');
  const ciphertext = Aes.AesGcm.encrypt(JSON.stringify(s.plaintext), s.apiv3Key, nonce, aad);
  return JSON.stringify({
    id: s.id ?? crypto.randomUUID(),
    create_time: '2026-11-25T20:00:01+08:00',
    resource_type: 'encrypt-resource',
    event_type: s.eventType,
    summary: s.eventType.startsWith('REFUND') ? '退款成功' : '支付成功',
    resource: { original_type: aad, algorithm: 'AEAD_AES_256_GCM', ciphertext, associated_data: aad, nonce },
  });
}

/** Wechatpay-* headers signed by the oracle over `timestamp\nnonce\nbody\n`. */
export function signedHeaders(body: string, privateKey: crypto.KeyObject, serial: string, timestamp = Math.floor(Date.now() / 1000)): Record<string, string> {
  const nonce = Formatter.nonce(32);
  return {
    'content-type': 'application/json',
    'wechatpay-timestamp': String(timestamp),
    'wechatpay-nonce': nonce,
    'wechatpay-serial': serial,
    'wechatpay-signature': Rsa.sign(Formatter.response(timestamp, nonce, body), privateKey),
    'wechatpay-signature-type': 'WECHATPAY2-SHA256-RSA2048',
  };
}

export function transactionPlaintext(c: Pick<WxCredentials, 'mchid' | 'appid'>, outTradeNo: string, total: number, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    mchid: c.mchid, appid: c.appid, out_trade_no: outTradeNo, transaction_id: `4200001234${Date.now()}`, trade_type: 'NATIVE',
    trade_state: 'SUCCESS', trade_state_desc: '支付成功', bank_type: 'OTHERS', attach: '', success_time: '2026-11-25T20:00:00+08:00',
    payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' }, amount: { total, payer_total: total, currency: 'CNY', payer_currency: 'CNY' },
    ...over,
  };
}

export function refundPlaintext(mchid: string, outTradeNo: string, outRefundNo: string, refund: number, total: number, status = 'SUCCESS'): Record<string, unknown> {
  return {
    mchid, out_trade_no: outTradeNo, transaction_id: `4200001234${Date.now()}`, out_refund_no: outRefundNo, refund_id: `50300${Date.now()}`,
    refund_status: status, success_time: '2026-11-25T20:00:05+08:00', user_received_account: '支付用户零钱',
    amount: { total, refund, payer_total: total, payer_refund: refund },
  };
}

/** A self-signed platform-style certificate with its own RSA key (node-forge), serial in hex. */
export function makeCertificate(serialHex = newSerial()): { pem: string; serial: string; privateKey: crypto.KeyObject } {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  cert.serialNumber = derSerialHex(serialHex);
  cert.validity.notBefore = new Date(Date.now() - 86_400_000);
  cert.validity.notAfter = new Date(Date.now() + 365 * 86_400_000);
  const attrs = [{ name: 'commonName', value: `Test platform ${serialHex.slice(0, 8)}` }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.sign(forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()), forge.md.sha256.create());
  return { pem: forge.pki.certificateToPem(cert), serial: serialHex, privateKey };
}

/**
 * WeChat Pay APIv3 TRANSACTION.SUCCESS notifications, built here with node:crypto as WeChat
 * Pay documents them, independently of the connector and the simulator:
 *  - the transaction JSON sealed with AEAD_AES_256_GCM under the merchant's APIv3 key
 *    (32 ASCII bytes), a 12-character nonce, associated_data "transaction"; ciphertext is
 *    base64(ciphertext ‖ 16-byte tag);
 *  - Wechatpay-Signature = base64(SHA256withRSA("<timestamp>\n<nonce>\n<body>\n")) with
 *    the WeChat Pay public-key-mode private key, Wechatpay-Serial = its PUB_KEY_ID_….
 * The key is the simulator's (<data>/sandbox/wechatpay-keys.json): the sandbox account is
 * configured with its public half, exactly as a real merchant is with WeChat Pay's.
 */
import { createCipheriv, createPrivateKey, randomBytes, randomUUID, sign } from 'node:crypto';
import { credential, rawAccount, type BenchGateway } from './gateway.js';
import { readSimulatorKeyFile, type NotifyTarget, type Signer, type SignedNotification } from './notify-common.js';

const ALPHANUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function nonce(length: number): string {
  let s = '';
  for (const b of randomBytes(length)) s += ALPHANUM[b % ALPHANUM.length];
  return s;
}

/** "2026-01-02T08:30:40+08:00": WeChat Pay's RFC 3339 timestamps are in China time. */
function rfc3339China(ms: number): string {
  return `${new Date(ms + 8 * 3600_000).toISOString().slice(0, 19)}+08:00`;
}

function seal(plaintext: string, apiv3Key: Buffer, aad: string): { ciphertext: string; nonce: string } {
  const n = nonce(12);
  const cipher = createCipheriv('aes-256-gcm', apiv3Key, Buffer.from(n, 'utf8'));
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return { ciphertext: sealed.toString('base64'), nonce: n };
}

export async function wechatpaySigner(gw: BenchGateway): Promise<Signer> {
  const c = (await rawAccount(gw, 'wechatpay')).credentials;
  const mchid = credential(c, 'mchid');
  const appid = credential(c, 'appid');
  const apiv3Key = Buffer.from(credential(c, 'apiv3_key'), 'utf8');
  if (apiv3Key.length !== 32) throw new Error(`the APIv3 key is ${apiv3Key.length} bytes, not 32`);
  const keys = readSimulatorKeyFile(gw.dataDir, 'wechatpay-keys.json', ['public_key_id', 'public_key_private']);
  const privateKey = createPrivateKey(keys.public_key_private);
  if (c.wechatpay_public_key_id !== keys.public_key_id) throw new Error('the sandbox account is not configured with the simulator\'s WeChat Pay public key');

  const one = (t: NotifyTarget, now: number, i: number): SignedNotification => {
    const day = rfc3339China(now).slice(0, 10).replace(/-/g, '');
    if (t.currency !== 'CNY') throw new Error(`WeChat Pay Native is CNY only, payment ${t.paymentId} is ${t.currency}`);
    const transaction = {
      mchid, appid, out_trade_no: t.reference,
      // 4200 + yyyyMMdd + 16 digits, the shape of a WeChat Pay transaction id; unique per notification.
      transaction_id: `4200${day}${String(now % 1e10).padStart(10, '0')}${String(i).padStart(6, '0')}`,
      trade_type: 'NATIVE', trade_state: 'SUCCESS', trade_state_desc: '支付成功', bank_type: 'OTHERS', attach: '',
      success_time: rfc3339China(now - 1_000), payer: { openid: `oBench${nonce(22)}` },
      amount: { total: t.amount, payer_total: t.amount, currency: 'CNY', payer_currency: 'CNY' },
    };
    const sealed = seal(JSON.stringify(transaction), apiv3Key, 'transaction');
    const body = JSON.stringify({
      id: randomUUID(), create_time: rfc3339China(now), resource_type: 'encrypt-resource', event_type: 'TRANSACTION.SUCCESS', summary: '支付成功',
      resource: { original_type: 'transaction', algorithm: 'AEAD_AES_256_GCM', ciphertext: sealed.ciphertext, associated_data: 'transaction', nonce: sealed.nonce },
    });
    const timestamp = String(Math.floor(now / 1000));
    const headerNonce = nonce(32);
    const signature = sign('sha256', Buffer.from(`${timestamp}\n${headerNonce}\n${body}\n`, 'utf8'), privateKey).toString('base64');
    return {
      body,
      headers: {
        'content-type': 'application/json',
        'wechatpay-timestamp': timestamp, 'wechatpay-nonce': headerNonce, 'wechatpay-serial': keys.public_key_id,
        'wechatpay-signature': signature, 'wechatpay-signature-type': 'WECHATPAY2-SHA256-RSA2048',
      },
    };
  };
  return (targets) => {
    const now = Date.now();
    return targets.map((t, i) => one(t, now, i));
  };
}

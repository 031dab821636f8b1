/**
 * UnionPay ACP 5.1.0 back-end notifications of a successful QR consume (txnType 01,
 * txnSubType 07, respCode 00), built here with node:crypto as ACP documents signMethod 01,
 * independently of the connector and the simulator:
 *   signature = base64(SHA256withRSA(lowercase_hex(SHA-256(sorted "k=v&…" of every
 *   non-empty field except signature))))
 * signed with the simulator's UnionPay signing key, whose certificate (issued by the
 * simulator's middle CA, itself issued by its root) travels in signPubKeyCert; the sandbox
 * account trusts that root and middle, so the gateway checks a real chain every time.
 */
import { createHash, createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { credential, rawAccount, type BenchGateway } from './gateway.js';
import { readSimulatorKeyFile, type NotifyTarget, type Signer, type SignedNotification } from './notify-common.js';

function acpSignature(fields: Record<string, string>, key: KeyObject): string {
  const text = Object.keys(fields)
    .filter((k) => k !== 'signature' && fields[k] !== '')
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((k) => `${k}=${fields[k]}`)
    .join('&');
  const hexDigest = createHash('sha256').update(text, 'utf8').digest('hex');
  return sign('sha256', Buffer.from(hexDigest, 'utf8'), key).toString('base64');
}

/** yyyyMMddHHmmss in Beijing time (UTC+8, no DST), ACP's txnTime format. */
function beijingStamp(ms: number): string {
  return new Date(ms + 8 * 3600_000).toISOString().slice(0, 19).replace(/[-T:]/g, '');
}

export async function unionpaySigner(gw: BenchGateway): Promise<Signer> {
  const merId = credential((await rawAccount(gw, 'unionpay')).credentials, 'mer_id');
  // See src/simulators/unionpay/ca.ts: <simulator dataDir>/unionpay-ca.json; runtime.ts puts it under <data>/sandbox.
  const ca = readSimulatorKeyFile(gw.dataDir, 'unionpay-ca.json', ['signCertPem', 'signKeyPem']);
  const signKey = createPrivateKey(ca.signKeyPem);

  const one = (t: NotifyTarget, now: number, i: number): SignedNotification => {
    if (t.currency !== 'CNY') throw new Error(`UnionPay QR is CNY only, payment ${t.paymentId} is ${t.currency}`);
    // Paygate sends the part of its reference after "<prefix>_" as orderId, and the whole reference as reqReserved.
    const orderId = t.reference.slice(t.reference.indexOf('_') + 1);
    const fields: Record<string, string> = {
      version: '5.1.0', encoding: 'utf-8', signMethod: '01', accessType: '0', bizType: '000000', txnType: '01', txnSubType: '07',
      merId, orderId, txnTime: beijingStamp(now - 30_000), txnAmt: String(t.amount), currencyCode: '156',
      // 21 digits, unique per notification: ACP's queryId, which the gateway uses as the notification id.
      queryId: `${String(now).padStart(13, '0')}${String(i).padStart(8, '0')}`,
      traceNo: String(i % 1e6).padStart(6, '0'), traceTime: beijingStamp(now).slice(4), settleAmt: String(t.amount), settleCurrencyCode: '156',
      settleDate: beijingStamp(now).slice(4, 8), respCode: '00', respMsg: 'success', reqReserved: t.reference, signPubKeyCert: ca.signCertPem,
    };
    const body = new URLSearchParams({ ...fields, signature: acpSignature(fields, signKey) }).toString();
    return { body, headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' } };
  };
  return (targets) => {
    const now = Date.now();
    return targets.map((t, i) => one(t, now, i));
  };
}

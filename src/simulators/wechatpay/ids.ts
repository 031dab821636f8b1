import { randomBytes, randomInt } from 'node:crypto';
import { positiveSerialHex } from '../common/certs.js';
import { rfc3339 } from './format.js';

function randomFrom(alphabet: string, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += alphabet[randomInt(alphabet.length)];
  return s;
}

const digits = (n: number): string => randomFrom('0123456789', n);
const ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const yyyymmdd = (now: number): string => rfc3339(now).slice(0, 10).replace(/-/g, '');

/** Merchant ids are 10 digits starting 1 (e.g. 1900000109). */
export const newMchid = (): string => `19${digits(8)}`;
/** Official-account / app ids: "wx" + 16 hex. */
export const newAppid = (): string => `wx${randomBytes(8).toString('hex')}`;
/** Certificate serials are 40 uppercase hex digits. */
/** 40 hex digits as WeChat Pay prints them: the first byte 0x10–0x7f, so no leading zero and a positive DER INTEGER. */
export const newSerial = (): string => positiveSerialHex(20).toUpperCase();
/** WeChat Pay public-key ids: PUB_KEY_ID_ + 32 digits. */
export const newPublicKeyId = (): string => `PUB_KEY_ID_01${digits(30)}`;
/** A 32-character APIv3 key, as merchants set it in the merchant platform. */
export const newApiv3Key = (): string => randomFrom(ALNUM, 32);
/** 28 digits like 4200001234202406081234567890. */
export const newTransactionId = (now: number): string => `42000${digits(5)}${yyyymmdd(now)}${digits(10)}`;
/** 29 digits like 50300908092018010701700083021. */
export const newRefundId = (now: number): string => `503${digits(6)}${yyyymmdd(now)}${digits(12)}`;
/** The `pr` token of weixin://wxpay/bizpayurl?pr=… */
export const newCodeToken = (): string => randomFrom(ALNUM, 10);
export const newOpenid = (): string => `o${randomFrom(ALNUM, 27)}`;
export const newNotificationId = (): string => `${randomBytes(4).toString('hex')}-${randomBytes(2).toString('hex')}-5${randomBytes(2).toString('hex').slice(1)}-${randomBytes(2).toString('hex')}-${randomBytes(6).toString('hex')}`;
export const newRequestId = (): string => randomBytes(16).toString('hex');

import { randomBytes, randomInt } from 'node:crypto';
import { formatCst } from './format.js';

const LOWER_ALNUM = '0123456789abcdefghijklmnopqrstuvwxyz';

function randomFrom(alphabet: string, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += alphabet[randomInt(alphabet.length)];
  return s;
}

export const randomDigits = (length: number): string => randomFrom('0123456789', length);

/** 16 digits starting 2021, like real app ids. */
export const newAppId = (): string => `2021${randomDigits(12)}`;

/** Alipay user / partner ids are 16 digits starting 2088. */
export const newUserId = (): string => `2088${randomDigits(12)}`;

/** 28 digits: yyyyMMdd + 22001 + 15 digits, the shape of real trade numbers. */
export function newTradeNo(now: number): string {
  return `${formatCst(now).slice(0, 10).replace(/-/g, '')}22001${randomDigits(15)}`;
}

/** Real QR codes look like https://qr.alipay.com/bax03431ljhokirwl38f00a7. */
export const newQrToken = (): string => `bax${randomFrom(LOWER_ALNUM, 22)}`;

export const newNotifyId = (): string => randomBytes(18).toString('hex').slice(0, 35);


/** A sandbox buyer: masked phone number as the logon id, like "138****1234". */
export function newBuyer(): { buyer_id: string; buyer_logon_id: string } {
  return { buyer_id: newUserId(), buyer_logon_id: `13${randomDigits(1)}****${randomDigits(4)}` };
}

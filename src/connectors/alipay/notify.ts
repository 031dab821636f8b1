/**
 * Asynchronous trade notifications (notify_type=trade_status_sync) and the answer Alipay
 * expects. Trust order: signature, then app_id, then field shape; amount and order
 * existence are the caller's checks.
 */
import type { KeyObject } from 'node:crypto';
import type { ErrorCode } from '../../domain/errors.js';
import { parseMinor } from '../../domain/money.js';
import type { ConnectorContext, InboundNotification, NotificationAck, VerifiedNotification } from '../types.js';
import { verificationKeys, type AlipayCredentials } from './credentials.js';
import { canonicalString, verifyRsa2 } from './sign.js';
import { mapTradeStatus } from './status.js';

const REQUIRED = ['out_trade_no', 'trade_status', 'total_amount', 'notify_id'] as const;

function reject(code: ErrorCode, message: string): VerifiedNotification {
  return { ok: false, code, message };
}

function parseForm(rawBody: string): Map<string, string> | string {
  const fields = new Map<string, string>();
  // URLSearchParams applies form decoding: '+' is a space and a literal '+' arrives as %2B,
  // which is how Alipay encodes the base64 sign.
  for (const [key, value] of new URLSearchParams(rawBody)) {
    // Which duplicate is "the" value differs between parsers; a signed form never has any.
    if (fields.has(key)) return `field ${key} appears more than once`;
    fields.set(key, value);
  }
  return fields;
}

function signatureVerifies(fields: Map<string, string>, sign: string, key: KeyObject): boolean {
  const params = Object.fromEntries(fields);
  const exclude = ['sign', 'sign_type'];
  const dropped = canonicalString(params, { exclude });
  if (verifyRsa2(dropped, sign, key)) return true;
  // alipay.md drops empty values, but the official SDKs verify notifications with them kept
  // ("k="). Both strings carry the same non-empty fields, so accepting either trusts nothing more.
  const kept = canonicalString(params, { exclude, keepEmpty: true });
  return kept !== dropped && verifyRsa2(kept, sign, key);
}

export function verifyAlipayNotification(ctx: ConnectorContext<AlipayCredentials>, inbound: InboundNotification): VerifiedNotification {
  const contentType = inbound.contentType.trim().toLowerCase();
  if (contentType !== '' && !contentType.startsWith('application/x-www-form-urlencoded')) {
    return reject('NOTIFY.MALFORMED', `expected an application/x-www-form-urlencoded body, got ${inbound.contentType}`);
  }
  const fields = parseForm(inbound.rawBody);
  if (typeof fields === 'string') return reject('NOTIFY.MALFORMED', fields);
  const get = (key: string): string | undefined => {
    const v = fields.get(key);
    return v === undefined || v === '' ? undefined : v;
  };

  const sign = get('sign');
  if (sign === undefined) return reject('NOTIFY.MALFORMED', 'notification has no sign');
  // Requests go out with charset=utf-8 so Alipay notifies in UTF-8; another charset would
  // mean the percent-decoded bytes are not the text Alipay signed.
  const charset = get('charset');
  if (charset !== undefined && !/^utf-?8$/i.test(charset)) {
    return reject('NOTIFY.MALFORMED', `unsupported charset ${charset}; the account must use utf-8`);
  }
  const signType = get('sign_type');
  if (signType !== undefined && signType !== 'RSA2') {
    return reject('NOTIFY.SIGNATURE_INVALID', `sign_type ${signType} is not accepted; only RSA2`);
  }
  // Certificate mode: a notification naming alipay_cert_sn (a signed field like any other)
  // is checked with that certificate only; without one, with any configured one valid now.
  const choice = verificationKeys(ctx.credentials, get('alipay_cert_sn'), ctx.now);
  if (!choice.ok) return reject(choice.reason === 'unknown' ? 'NOTIFY.CERT_UNKNOWN' : 'NOTIFY.CERT_EXPIRED', choice.message);
  if (!choice.keys.some((key) => signatureVerifies(fields, sign, key))) {
    return reject(
      'NOTIFY.SIGNATURE_INVALID',
      ctx.credentials.mode === 'certificate'
        ? 'notification signature does not verify with the configured Alipay public certificate(s) (alipay_public_cert, not the app certificate)'
        : 'notification signature does not verify with alipay_public_key (it must be the ALIPAY public key, not the app public key)',
    );
  }

  const appId = get('app_id');
  if (appId === undefined) return reject('NOTIFY.MALFORMED', 'notification has no app_id');
  if (appId !== ctx.credentials.appId) {
    return reject('NOTIFY.ACCOUNT_MISMATCH', `notification is for app_id ${appId}, this account is ${ctx.credentials.appId}`);
  }
  const missing = REQUIRED.filter((key) => get(key) === undefined);
  if (missing.length > 0) return reject('NOTIFY.MALFORMED', `notification lacks ${missing.join(', ')}`);

  const reference = get('out_trade_no') ?? '';
  const tradeStatus = get('trade_status') ?? '';
  const notifyId = get('notify_id') ?? '';
  const totalAmount = get('total_amount') ?? '';
  const amount = parseMinor(totalAmount, 'CNY');
  if (amount === null || amount < 0) return reject('NOTIFY.MALFORMED', `total_amount ${JSON.stringify(totalAmount)} is not a CNY amount`);
  const tradeNo = get('trade_no');
  return {
    ok: true,
    kind: 'payment',
    notificationId: notifyId,
    reference,
    status: mapTradeStatus(tradeStatus),
    providerStatus: tradeStatus,
    amount,
    currency: 'CNY',
    ...(tradeNo === undefined ? {} : { providerTransactionId: tradeNo }),
  };
}

/** Alipay stops retrying only on the literal body "success"; anything else means retry. */
export function alipayNotificationAck(accepted: boolean): NotificationAck {
  return accepted
    ? { status: 200, contentType: 'text/plain', body: 'success' }
    : { status: 400, contentType: 'text/plain', body: 'fail' };
}

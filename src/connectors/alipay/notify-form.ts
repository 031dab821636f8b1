/**
 * The trust checks every Alipay notification passes first: form body, charset, sign_type,
 * signature (by the key, or the certificate alipay_cert_sn names), then app_id.
 */
import type { KeyObject } from 'node:crypto';
import type { ErrorCode } from '../../domain/errors.js';
import type { ConnectorContext, InboundNotification } from '../types.js';
import { verificationKeys, type AlipayCredentials } from './credentials.js';
import { canonicalString, verifyRsa2 } from './sign.js';
import { readFormNotification } from '../common/form.js';

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

export type FormCheck = { ok: true; get(key: string): string | undefined } | { ok: false; code: ErrorCode; message: string };

function reject(code: ErrorCode, message: string): FormCheck {
  return { ok: false, code, message };
}

/**
 * The form of a notification whose signature verifies with the account's Alipay key (or the
 * certificate it names) and whose app_id is the account's; `get` treats empty values as absent.
 */
export function verifiedForm(ctx: ConnectorContext<AlipayCredentials>, inbound: InboundNotification): FormCheck {
  const form = readFormNotification(inbound);
  if (!form.ok) return reject('NOTIFY.MALFORMED', form.message);
  const { fields, get } = form;

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
  return { ok: true, get };
}

/**
 * Checks the Wechatpay-* signature headers of an answer or a notification over the raw
 * body. One routine for both, because WeChat Pay signs both the same way.
 */
import { serialKey, PUBLIC_KEY_ID_PREFIX, type WechatpayCredentials } from './credentials.js';
import { responseMessage, SIGNATURE_TYPE, verifyMessage } from './sign.js';

/** WeChat's documented tolerance, and what its SDKs enforce. */
export const MAX_CLOCK_SKEW_S = 300;
/** WeChat Pay sends probe traffic signed with this prefix; it must always fail verification. */
export const SIGNTEST_PREFIX = 'WECHATPAY/SIGNTEST/';

export type HeaderBag = Readonly<Record<string, string | string[] | undefined>>;

export type SignatureCheck =
  | { ok: true; serial: string }
  | { ok: false; reason: 'missing' | 'malformed' | 'stale' | 'probe' | 'unknown_serial' | 'expired_certificate' | 'mismatch'; message: string };

/** A header by case-insensitive name; a repeated header is ambiguous and reads as absent. */
export function header(headers: HeaderBag, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() !== wanted) continue;
    if (Array.isArray(v)) return v.length === 1 ? v[0] : undefined;
    return v;
  }
  return undefined;
}

export function hasSignatureHeaders(headers: HeaderBag): boolean {
  return header(headers, 'Wechatpay-Signature') !== undefined;
}

export function verifyWechatpaySignature(credentials: WechatpayCredentials, headers: HeaderBag, rawBody: string, now: Date): SignatureCheck {
  const timestamp = header(headers, 'Wechatpay-Timestamp');
  const nonce = header(headers, 'Wechatpay-Nonce');
  const signature = header(headers, 'Wechatpay-Signature');
  const serial = header(headers, 'Wechatpay-Serial');
  if (timestamp === undefined || nonce === undefined || signature === undefined || serial === undefined) {
    return { ok: false, reason: 'missing', message: 'Wechatpay-Timestamp, Wechatpay-Nonce, Wechatpay-Signature and Wechatpay-Serial headers are all required' };
  }
  const type = header(headers, 'Wechatpay-Signature-Type');
  if (type !== undefined && type !== SIGNATURE_TYPE) return { ok: false, reason: 'malformed', message: `Wechatpay-Signature-Type ${type} is not ${SIGNATURE_TYPE}` };
  if (signature.startsWith(SIGNTEST_PREFIX)) return { ok: false, reason: 'probe', message: 'signature is a WeChat Pay WECHATPAY/SIGNTEST/ probe; probes must fail verification' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'malformed', message: `Wechatpay-Timestamp ${JSON.stringify(timestamp)} is not unix seconds` };
  const skew = Math.abs(Math.floor(now.getTime() / 1000) - Number(timestamp));
  if (skew > MAX_CLOCK_SKEW_S) {
    return { ok: false, reason: 'stale', message: `Wechatpay-Timestamp is ${skew} s away from now (more than ${MAX_CLOCK_SKEW_S} s): replayed, or check the server clock` };
  }
  const verifier = credentials.verifiers.get(serialKey(serial));
  if (!verifier) {
    const known = [...credentials.verifiers.keys()].join(', ');
    const hint = serial.startsWith(PUBLIC_KEY_ID_PREFIX)
      ? 'configure wechatpay_public_key_id and wechatpay_public_key from the merchant platform (API安全 → 微信支付公钥)'
      : 'add the new platform certificate to platform_certificates (download it with GET /v3/certificates)';
    return { ok: false, reason: 'unknown_serial', message: `Wechatpay-Serial ${serial} is not configured for this account (known: ${known}); ${hint}` };
  }
  const at = now.getTime();
  if (verifier.source === 'certificate' && ((verifier.notBefore !== undefined && at < verifier.notBefore) || (verifier.notAfter !== undefined && at > verifier.notAfter))) {
    return { ok: false, reason: 'expired_certificate', message: `platform certificate ${serial} is not valid at ${now.toISOString()}; replace it in platform_certificates` };
  }
  if (!verifyMessage(responseMessage(timestamp, nonce, rawBody), signature, verifier.key)) {
    return { ok: false, reason: 'mismatch', message: `Wechatpay-Signature does not verify with the key of ${serial} over the raw body` };
  }
  return { ok: true, serial };
}

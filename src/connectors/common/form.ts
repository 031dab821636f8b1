/**
 * Reading a form-encoded notification body (Alipay, UnionPay): the content type, and the
 * fields with duplicates refused — which duplicate is "the" value differs between parsers,
 * and a signed form never has any, so a body with one is not the provider's.
 */
import type { InboundNotification } from '../types.js';

export type FormFields = { ok: true; fields: Map<string, string>; get(key: string): string | undefined } | { ok: false; message: string };

export function readFormNotification(inbound: InboundNotification): FormFields {
  const contentType = inbound.contentType.trim().toLowerCase();
  if (contentType !== '' && !contentType.startsWith('application/x-www-form-urlencoded')) {
    return { ok: false, message: `expected an application/x-www-form-urlencoded body, got ${inbound.contentType}` };
  }
  const fields = new Map<string, string>();
  // URLSearchParams applies form decoding: '+' is a space and a literal '+' arrives as %2B
  // (how both providers encode their base64 signatures).
  for (const [key, value] of new URLSearchParams(inbound.rawBody)) {
    if (fields.has(key)) return { ok: false, message: `field ${key} appears more than once` };
    fields.set(key, value);
  }
  // Empty values are absent: providers send k= for fields they have nothing for.
  const get = (key: string): string | undefined => {
    const v = fields.get(key);
    return v === undefined || v === '' ? undefined : v;
  };
  return { ok: true, fields, get };
}

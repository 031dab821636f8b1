/**
 * Masking for stored notifications and logs: signatures and buyer identifiers are cut to
 * a recognisable stub. The raw text keeps its shape so an operator can still read it.
 */
const SENSITIVE = /^(sign|buyer_logon_id|buyer_id|buyer_user_id|openid|card_no|accNo|customerInfo|payer_email)$/i;

function maskValue(v: string): string {
  if (v.length <= 4) return '****';
  return `${v.slice(0, 2)}****${v.slice(-2)}`;
}

export function maskRaw(raw: string): string {
  // Form bodies (Alipay, UnionPay): mask per field, keep the rest byte for byte.
  if (/^[^{[<\s][^=&]*=/.test(raw)) {
    return raw.split('&').map((pair) => {
      const i = pair.indexOf('=');
      if (i < 0) return pair;
      const key = decodeSafe(pair.slice(0, i));
      return SENSITIVE.test(key) ? `${pair.slice(0, i)}=${encodeURIComponent(maskValue(decodeSafe(pair.slice(i + 1))))}` : pair;
    }).join('&');
  }
  // JSON bodies: mask by key wherever it appears.
  return raw.replace(/"(sign|buyer_logon_id|buyer_id|openid|card_no|payer_email|email_address)"\s*:\s*"([^"]*)"/gi, (_m, k: string, v: string) => `"${k}":"${maskValue(v)}"`);
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

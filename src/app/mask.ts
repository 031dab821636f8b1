/**
 * Masking of provider notifications for storage and logs, by rule rather than by a list of
 * bad key names: each connector declares which paths are safe to keep (NotificationPrivacy),
 * and every other value is replaced by MASK — so a field a provider adds later is masked
 * too. Even a kept value is masked when it looks like an e-mail address, a card number or a
 * secret, because free-text fields (subject, summary, respMsg) can carry them.
 * The result keeps the body's shape (form fields in order; JSON structure) so an operator
 * can still read what arrived and why it was refused.
 */
import type { BuyerIdentifierKind, NotificationPrivacy } from '../connectors/types.js';

export const MASK = '****';

const LOCAL_CHAR = /[^\s@"'<>(),;:]/;
const DOMAIN = /^[a-z0-9-]+(?:\.[a-z0-9-]+)+/i;
/** Key and token shapes of the providers (Stripe sk_/rk_/whsec_, PaymentIntent client secrets), PEM blocks, JWTs. */
const SECRET = /(?:\b(?:sk|rk|pk)_(?:live|test)_|\bwhsec_|_secret_|-----BEGIN |\beyJ[\w-]{8,}\.[\w-]{8,}\.)/;
const DIGIT_RUN = /(?<![\d])[2-6](?:[ -]?\d){12,18}(?![\d])/g;

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

/** Scans from each '@' rather than with one regex, which would backtrack quadratically over a long value without one. */
function hasEmail(value: string): boolean {
  for (let i = value.indexOf('@'); i >= 0; i = value.indexOf('@', i + 1)) {
    if (i === 0 || !LOCAL_CHAR.test(value[i - 1]!)) continue;
    const domain = DOMAIN.exec(value.slice(i + 1, i + 256));
    if (domain && /\.[a-z]{2,}$/i.test(domain[0])) return true;
  }
  return false;
}

/** An e-mail, a secret or a Luhn-valid card number anywhere in the value. */
export function looksSensitive(value: string): boolean {
  if (hasEmail(value) || SECRET.test(value)) return true;
  for (const m of value.matchAll(DIGIT_RUN)) if (luhn(m[0].replace(/[ -]/g, ''))) return true;
  return false;
}

export interface Masked {
  text: string;
  /** Buyer identifiers found at the declared paths, before masking (the caller hashes them). */
  identifiers: Array<{ kind: BuyerIdentifierKind; value: string }>;
}

type Privacy = Pick<NotificationPrivacy<unknown>, 'format' | 'keep' | 'identifiers'>;

/**
 * `opened` is the connector's readable version of the document (WeChat Pay: the decrypted
 * resource added), used instead of the raw JSON when given.
 */
export function maskNotification(raw: string, privacy: Privacy, opened?: Record<string, unknown>): Masked {
  return privacy.format === 'form' ? maskForm(raw, privacy) : maskJson(raw, privacy, opened);
}

function maskForm(raw: string, privacy: Privacy): Masked {
  const keep = new Set(privacy.keep);
  const idPaths = new Map(privacy.identifiers.map((i) => [i.path, i.kind]));
  const identifiers: Masked['identifiers'] = [];
  const text = raw.split('&').map((pair) => {
    const i = pair.indexOf('=');
    // A pair without '=' is not a field: nothing about it is known to be safe.
    if (i < 0) return pair === '' ? '' : MASK;
    const key = decodeSafe(pair.slice(0, i));
    const value = decodeSafe(pair.slice(i + 1));
    const kind = idPaths.get(key);
    if (kind && value !== '') identifiers.push({ kind, value });
    if (keep.has(key) && !looksSensitive(value)) return pair;
    return `${keep.has(key) || !looksSensitive(key) ? pair.slice(0, i) : MASK}=${value === '' ? '' : MASK}`;
  }).join('&');
  return { text, identifiers };
}

function maskJson(raw: string, privacy: Privacy, opened?: Record<string, unknown>): Masked {
  let doc: unknown = opened;
  if (doc === undefined) {
    try {
      doc = JSON.parse(raw);
    } catch {
      return { text: `${MASK} (not JSON, ${raw.length} characters)`, identifiers: [] };
    }
  }
  const keep = new Set(privacy.keep);
  const idPaths = new Map(privacy.identifiers.map((i) => [i.path, i.kind]));
  const identifiers: Masked['identifiers'] = [];
  const walk = (v: unknown, path: string): unknown => {
    if (Array.isArray(v)) return v.map((x) => walk(x, `${path}[]`));
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[looksSensitive(k) ? MASK : k] = walk(x, path === '' ? k : `${path}.${k}`);
      return out;
    }
    if (v === null) return null;
    const kind = idPaths.get(path);
    if (kind && typeof v === 'string' && v !== '') identifiers.push({ kind, value: v });
    return keep.has(path) && !looksSensitive(String(v)) ? v : MASK;
  };
  return { text: JSON.stringify(walk(doc, '')), identifiers };
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

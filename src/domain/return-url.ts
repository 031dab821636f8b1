/**
 * The merchant's return_url: where the gateway, on its own domain, sends the buyer. Anything
 * it follows is effectively a redirect the gateway vouches for, so the rule is narrow:
 * - https only; http only to a loopback host (localhost, *.localhost, 127.0.0.0/8, [::1]),
 *   and only for sandbox payments (test keys) — a developer's machine, never a live buyer's;
 * - an absolute URL written out in full: it starts with `https://` / `http://`, so no
 *   protocol-relative `//host`, no `https:host`, no javascript: / data: / anything else;
 * - no credentials (`user:pass@`), no control characters (NUL, CR, LF, TAB), no spaces and
 *   no backslashes — the characters on which browsers, proxies and URL libraries disagree
 *   about where the host ends (`https://shop.example\@evil.example`);
 * - at most RETURN_URL_MAX characters.
 * The same rule runs on create and again before every redirect, so a value stored before
 * the rule existed is never followed.
 */

export const RETURN_URL_MAX = 2048;

export interface ReturnUrlRule {
  /** Sandbox (test-key) payments may return to http:// on a loopback host. */
  allowLoopbackHttp: boolean;
}

// C0 controls, DEL, every kind of whitespace and the backslash.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const UNSAFE_CHAR = /[\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200f\u2028\u2029\u202f\u205f\u3000\ufeff\\]/;

/** Hosts that can only mean the buyer's own machine. `hostname` as WHATWG URL serialises it. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (h === '[::1]') return true;
  // WHATWG URL has already turned 127.1, 0x7f.1 and 2130706433 into dotted decimal.
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** Why `raw` may not be a return_url, or undefined when it may. */
export function returnUrlProblem(raw: string, rule: ReturnUrlRule): string | undefined {
  if (raw.length > RETURN_URL_MAX) return `must be at most ${RETURN_URL_MAX} characters, got ${raw.length}`;
  if (UNSAFE_CHAR.test(raw)) return 'must not contain spaces, control characters or backslashes (percent-encode them)';
  const scheme = /^(https?):\/\//i.exec(raw)?.[1]?.toLowerCase();
  if (!scheme) return 'must be an absolute https:// URL (other schemes such as javascript: or data:, and protocol-relative //host URLs, are refused)';
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return 'is not a valid URL';
  }
  if (u.username !== '' || u.password !== '') return 'must not carry credentials (user:password@)';
  if (u.hostname === '') return 'must name a host';
  if (scheme === 'http') {
    if (!isLoopbackHost(u.hostname)) return 'must use https (http is allowed only to localhost / 127.0.0.1 / [::1] in test mode)';
    if (!rule.allowLoopbackHttp) return 'must use https with a live key (http://localhost is for test mode only)';
  }
  return undefined;
}

/**
 * The URL to send the buyer to, re-checked at redirect time, or null (then the gateway's own
 * status page). Loopback http is allowed here whatever the payment's mode: the create check
 * is what keeps it out of live payments, and a loopback target can only reach the buyer's
 * own machine, never a third party's site.
 */
export function followableReturnUrl(raw: string | null | undefined): string | null {
  if (!raw || returnUrlProblem(raw, { allowLoopbackHttp: true })) return null;
  return new URL(raw).href;
}

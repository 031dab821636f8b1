/**
 * Stripe's request encoding: application/x-www-form-urlencoded with nested keys written
 * as brackets (metadata[k]=v, line_items[0][price_data][currency]=usd), the same shape
 * stripe-node produces (qs with indices, brackets left unescaped).
 */
export type FormValue = string | number | boolean | undefined | FormValue[] | { [key: string]: FormValue };

const enc = (s: string) => encodeURIComponent(s);

function walk(prefix: string, value: FormValue, out: string[]): void {
  if (value === undefined) return;
  if (Array.isArray(value)) {
    value.forEach((v, i) => walk(`${prefix}[${i}]`, v, out));
    return;
  }
  if (typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) walk(prefix === '' ? enc(k) : `${prefix}[${enc(k)}]`, v, out);
    return;
  }
  out.push(`${prefix}=${enc(String(value))}`);
}

export function encodeForm(params: Record<string, FormValue>): string {
  const out: string[] = [];
  walk('', params, out);
  return out.join('&');
}

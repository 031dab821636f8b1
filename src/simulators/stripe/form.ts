// Decoding Stripe's bracketed form encoding (a[b][0][c]=v, expand[]=x) into nested values,
// as Stripe's API front end does. Objects whose keys are 0..n-1 become arrays.
export type Params = { [key: string]: ParamValue };
export type ParamValue = string | ParamValue[] | Params;

export class ParamError extends Error {
  constructor(readonly param: string, message: string) {
    super(message);
  }
}

const KEY = /^([^[\]]+)((?:\[[^[\]]*\])*)$/;

function toArrays(v: ParamValue): ParamValue {
  if (typeof v === 'string' || Array.isArray(v)) return Array.isArray(v) ? v.map(toArrays) : v;
  const keys = Object.keys(v);
  const out: Params = {};
  for (const k of keys) out[k] = toArrays(v[k] as ParamValue);
  if (keys.length > 0 && keys.every((k, i) => k === String(i))) return keys.map((k) => out[k] as ParamValue);
  return out;
}

export function parseParams(encoded: string): Params {
  const root: Params = {};
  for (const [name, value] of new URLSearchParams(encoded)) {
    const m = KEY.exec(name);
    if (!m) throw new ParamError(name, `Invalid parameter name: ${name}`);
    const segments = [m[1] as string, ...[...(m[2] ?? '').matchAll(/\[([^[\]]*)\]/g)].map((s) => s[1] as string)];
    let node: Params | ParamValue[] = root;
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i] as string;
      const last = i === segments.length - 1;
      if (Array.isArray(node)) {
        // Only `name[]=v` produces a real array during parsing.
        if (seg !== '' || !last) throw new ParamError(name, `Invalid array parameter: ${name}`);
        node.push(value);
        break;
      }
      const next = segments[i + 1];
      if (last) {
        if (node[seg] !== undefined) throw new ParamError(name, `Received the parameter ${name} more than once`);
        node[seg] = value;
      } else {
        const existing: ParamValue | undefined = node[seg];
        if (existing === undefined) node[seg] = next === '' ? [] : {};
        else if (typeof existing === 'string' || (Array.isArray(existing) !== (next === ''))) throw new ParamError(name, `Invalid parameter: ${name} mixes a value and a hash`);
        node = node[seg] as Params | ParamValue[];
      }
    }
  }
  return toArrays(root) as Params;
}

export const paramString = (p: Params, k: string): string | undefined => (typeof p[k] === 'string' ? (p[k] as string) : undefined);
export const paramHash = (p: Params, k: string): Params | undefined => {
  const v = p[k];
  return v !== undefined && typeof v !== 'string' && !Array.isArray(v) ? v : undefined;
};
export const paramList = (p: Params, k: string): ParamValue[] | undefined => (Array.isArray(p[k]) ? (p[k] as ParamValue[]) : undefined);

export function paramInt(p: Params, k: string, opts: { min?: number; required?: boolean } = {}): number | undefined {
  const v = p[k];
  if (v === undefined || v === '') {
    if (opts.required) throw new ParamError(k, `Missing required param: ${k}.`);
    return undefined;
  }
  if (typeof v !== 'string' || !/^-?\d{1,15}$/.test(v)) throw new ParamError(k, `Invalid integer: ${typeof v === 'string' ? v : k}`);
  const n = Number(v);
  if (opts.min !== undefined && n < opts.min) throw new ParamError(k, `This value must be greater than or equal to ${opts.min}.`);
  return n;
}

/** metadata[k]=v → {k: v}; Stripe allows 50 keys, 40-char keys and 500-char values. */
export function paramMetadata(p: Params, k = 'metadata'): Record<string, string> {
  const h = paramHash(p, k);
  if (p[k] !== undefined && p[k] !== '' && !h) throw new ParamError(k, `Invalid hash: ${k}`);
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(h ?? {})) {
    if (typeof v !== 'string') throw new ParamError(`${k}[${key}]`, 'Metadata values must be strings.');
    if (key.length > 40 || v.length > 500) throw new ParamError(`${k}[${key}]`, 'Metadata keys are at most 40 and values at most 500 characters.');
    out[key] = v;
  }
  if (Object.keys(out).length > 50) throw new ParamError(k, 'You can have at most 50 metadata keys.');
  return out;
}

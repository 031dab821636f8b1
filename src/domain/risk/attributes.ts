/**
 * The typed input of one risk decision. The app layer gathers it (the payment itself, and
 * facts other code computes: velocity counts, limit totals, graph counts, geo, the
 * behaviour profile); the risk core only reads it. ATTRIBUTE_SCHEMA is the one list of
 * every attribute and its type: rules are type-checked against it and attributes are
 * validated by it, so a name that is not here exists nowhere.
 */
import { PaygateError } from '../errors.js';

export type AttributeType = 'int' | 'double' | 'string' | 'bool';

export interface AttributeSpec {
  type: AttributeType;
  /** A required attribute is always present; an optional one may be missing (no device id, no profile yet). */
  required: boolean;
  /** Inclusive bounds of an int (hour 0..23); money and counts are >= 0. */
  min?: number;
  max?: number;
}

export type VelocityKey = 'customer' | 'device' | 'ip' | 'email';
export type VelocityWindow = '1m' | '1h' | '24h';
export type VelocityFacts = Partial<Record<`${'count' | 'amount'}_${VelocityWindow}`, number>>;

export interface Attributes {
  /** Integer minor units of `currency`. */
  amount: number;
  currency: string;
  method: string;
  merchant_id: string;
  /** Hour of day 0..23 in the merchant's time zone (the app decides which). */
  hour: number;
  customer?: { id?: string; email?: string; phone?: string };
  client_ip?: string;
  device_id?: string;
  payer_country?: string;
  ip_country?: string;
  velocity?: Partial<Record<VelocityKey, VelocityFacts>>;
  /** Totals BEFORE this payment, in minor units (amounts) and payments (counts). */
  limits?: Partial<Record<LimitName, number>>;
  graph?: Partial<Record<'device_customers_24h' | 'customer_devices_24h' | 'ip_customers_24h' | 'hops_to_blocked', number>>;
  profile?: { amount_zscore?: number; usual_hour?: boolean; usual_method?: boolean; payments?: number };
}

export const LIMIT_NAMES = [
  'customer_day_amount', 'customer_day_count', 'customer_month_amount', 'customer_month_count',
  'merchant_day_amount', 'merchant_day_count', 'merchant_month_amount', 'merchant_month_count',
] as const;
export type LimitName = (typeof LIMIT_NAMES)[number];

/** graph.hops_to_blocked when no blocked entity is within 2 hops: a large number, so `< 3` reads naturally. */
export const NO_BLOCKED_NEARBY = 1_000_000;

const count: AttributeSpec = { type: 'int', required: false, min: 0 };

function buildSchema(): Record<string, AttributeSpec> {
  const s: Record<string, AttributeSpec> = {
    amount: { type: 'int', required: true, min: 0 },
    currency: { type: 'string', required: true },
    method: { type: 'string', required: true },
    merchant_id: { type: 'string', required: true },
    hour: { type: 'int', required: true, min: 0, max: 23 },
    'customer.id': { type: 'string', required: false },
    'customer.email': { type: 'string', required: false },
    'customer.phone': { type: 'string', required: false },
    client_ip: { type: 'string', required: false },
    device_id: { type: 'string', required: false },
    payer_country: { type: 'string', required: false },
    ip_country: { type: 'string', required: false },
  };
  for (const key of ['customer', 'device', 'ip', 'email'] as const) {
    for (const what of ['count', 'amount'] as const) {
      for (const win of ['1m', '1h', '24h'] as const) s[`velocity.${key}.${what}_${win}`] = count;
    }
  }
  for (const name of LIMIT_NAMES) s[`limits.${name}`] = count;
  for (const name of ['device_customers_24h', 'customer_devices_24h', 'ip_customers_24h', 'hops_to_blocked']) s[`graph.${name}`] = count;
  s['profile.amount_zscore'] = { type: 'double', required: false };
  s['profile.usual_hour'] = { type: 'bool', required: false };
  s['profile.usual_method'] = { type: 'bool', required: false };
  s['profile.payments'] = count;
  return s;
}

/** Every attribute by its dotted path, as rules write it (`velocity.customer.count_1h`). */
export const ATTRIBUTE_SCHEMA: Readonly<Record<string, AttributeSpec>> = Object.freeze(buildSchema());
export const ATTRIBUTE_PATHS: readonly string[] = Object.keys(ATTRIBUTE_SCHEMA);

/** The schema as nested objects of type names ({velocity: {customer: {count_1m: 'int'}}}), the CEL environment's shape. */
export function nestedSchema(): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [p, spec] of Object.entries(ATTRIBUTE_SCHEMA)) {
    const parts = p.split('.');
    let node = root;
    for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
    node[parts[parts.length - 1]!] = spec.type;
  }
  return root;
}

/** Reads a dotted path; undefined when any step is missing. */
export function readPath(attrs: unknown, p: string): unknown {
  let v: unknown = attrs;
  for (const part of p.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

export interface AttributeProblem { path: string; message: string }

function checkValue(p: string, spec: AttributeSpec, v: unknown): string | undefined {
  switch (spec.type) {
    case 'int':
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) return `must be an integer, got ${JSON.stringify(v)}`;
      if (spec.min !== undefined && v < spec.min) return `must be >= ${spec.min}, got ${v}`;
      if (spec.max !== undefined && v > spec.max) return `must be <= ${spec.max}, got ${v}`;
      return undefined;
    case 'double':
      return typeof v === 'number' && Number.isFinite(v) ? undefined : `must be a finite number, got ${JSON.stringify(v)}`;
    case 'string':
      return typeof v === 'string' ? undefined : `must be a string, got ${JSON.stringify(v)}`;
    case 'bool':
      return typeof v === 'boolean' ? undefined : `must be true or false, got ${JSON.stringify(v)}`;
  }
  return `has an unknown type in the schema (${p})`;
}

/** Every problem of an attributes object: a missing required one, a wrong type, a name the schema lacks. */
export function attributeProblems(input: unknown): AttributeProblem[] {
  const problems: AttributeProblem[] = [];
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return [{ path: '', message: 'attributes must be an object' }];
  for (const [p, spec] of Object.entries(ATTRIBUTE_SCHEMA)) {
    const v = readPath(input, p);
    if (v === undefined) {
      if (spec.required) problems.push({ path: p, message: 'is required' });
      continue;
    }
    const bad = checkValue(p, spec, v);
    if (bad) problems.push({ path: p, message: bad });
  }
  // Junk names: every leaf must be a schema path, every inner node a prefix of one.
  const walk = (node: Record<string, unknown>, prefix: string) => {
    for (const [k, v] of Object.entries(node)) {
      const p = prefix ? `${prefix}.${k}` : k;
      if (p in ATTRIBUTE_SCHEMA) continue;
      const isGroup = ATTRIBUTE_PATHS.some((s) => s.startsWith(`${p}.`));
      if (!isGroup) problems.push({ path: p, message: 'is not an attribute; see ATTRIBUTE_SCHEMA for the names' });
      else if (v !== undefined && (v === null || typeof v !== 'object' || Array.isArray(v))) problems.push({ path: p, message: 'must be an object of attributes' });
      else if (v !== undefined) walk(v as Record<string, unknown>, p);
    }
  };
  walk(input as Record<string, unknown>, '');
  return problems;
}

/**
 * Checks attributes against the schema and returns them typed. The app builds them, so a
 * problem here is a bug in the code that gathers the facts, not the payer's mistake.
 */
export function validateAttributes(input: unknown): Attributes {
  const problems = attributeProblems(input);
  if (problems.length > 0) {
    const list = problems.map((p) => `${p.path || '(root)'} ${p.message}`).join('; ');
    throw new PaygateError('RISK.INVALID_ATTRIBUTES', `Risk attributes are invalid: ${list}.`, { field: problems[0]!.path, details: { problems } });
  }
  return input as Attributes;
}

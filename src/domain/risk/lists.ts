/**
 * Risk lists: operator- or merchant-kept entries that allow, review or block a payment by
 * its IP (address or CIDR, v4 or v6), device, customer, email or country. Entries are
 * validated and normalised once (emails lower-cased, countries upper-cased ISO 3166
 * alpha-2, CIDRs without host bits), then indexed so a decision asks in O(log n) or O(1)
 * whatever the list size: exact maps for the non-IP lists, sorted segments for IPs.
 *
 * Precedence, whatever the list and however specific the entry: an allow hit → allow,
 * else a block hit → block, else a review hit → review. So an allow of 10.0.0.0/8 also
 * wins over a block of 10.1.2.3 inside it; to block that host, narrow the allow. An entry
 * stops applying at its expires_at (epoch ms): expired entries are ignored, not errors.
 * `country` matches the payer's country or the IP's country.
 */
import { z } from 'zod';
import { PaygateError } from '../errors.js';
import type { Attributes } from './attributes.js';
import { IpRangeIndex, parseIpOrCidr } from './ip-ranges.js';

export const LIST_NAMES = ['ip', 'device', 'customer', 'email', 'country'] as const;
export type ListName = (typeof LIST_NAMES)[number];
export type ListAction = 'allow' | 'review' | 'block';

export interface ListEntry {
  list: ListName;
  action: ListAction;
  value: string;
  /** Epoch milliseconds from which the entry no longer applies; absent = forever. */
  expires_at?: number | undefined;
}

export interface ListHits {
  /** The action the lists decide (allow > block > review), or undefined when nothing hit. */
  action: ListAction | undefined;
  hits: ListEntry[];
}

/** ISO 3166-1 alpha-2, plus XK (Kosovo: user-assigned, but used by Stripe and PayPal). */
const COUNTRIES = new Set(`AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ
CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR
GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP
KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT
MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW
SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG
UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW XK`.split(/\s+/));

const entrySchema = z.strictObject({
  list: z.enum(LIST_NAMES, { error: 'send ip, device, customer, email or country' }),
  action: z.enum(['allow', 'review', 'block'], { error: 'send allow, review or block' }),
  value: z.string({ error: 'send the value as a string' }).trim().min(1, 'send a non-empty value').max(320, 'send at most 320 characters'),
  expires_at: z.int({ error: 'send epoch milliseconds as an integer' }).min(0, 'send epoch milliseconds as an integer').nullish(),
});

export interface ListProblem { index: number; field: string; message: string }

/** The normalised value, or why it is not one. */
function normalise(list: ListName, value: string): { value: string } | { message: string } {
  switch (list) {
    case 'ip': {
      const r = parseIpOrCidr(value);
      return r.ok ? { value: r.canonical } : { message: r.message };
    }
    case 'email': {
      const v = value.toLowerCase();
      return /^[^\s@]+@[^\s@]+\.[^\s@.]+$/.test(v) && v.length <= 254 ? { value: v } : { message: `"${value}" is not an email address; send local@domain.tld` };
    }
    case 'country': {
      const v = value.toUpperCase();
      return COUNTRIES.has(v) ? { value: v } : { message: `"${value}" is not an ISO 3166 alpha-2 country code; send two letters such as CN, US, DE` };
    }
    default:
      return /^[\x21-\x7e]+$/.test(value) ? { value } : { message: `"${value}" has spaces or non-printable characters; send the ${list} id exactly as the gateway knows it` };
  }
}

/** Validates and normalises entries; throws RISK.INVALID_LIST_ENTRY naming every bad entry by index. */
export function validateListEntries(input: unknown): ListEntry[] {
  const problems: ListProblem[] = [];
  const out: ListEntry[] = [];
  if (!Array.isArray(input)) throw new PaygateError('RISK.INVALID_LIST_ENTRY', 'Send the list entries as a JSON array of {list, action, value, expires_at?}.', { field: 'entries' });
  input.forEach((raw: unknown, index) => {
    const r = entrySchema.safeParse(raw);
    if (!r.success) {
      for (const issue of r.error.issues) {
        if (issue.code === 'unrecognized_keys') for (const key of issue.keys) problems.push({ index, field: key, message: `unknown field "${key}"; an entry has only list, action, value and expires_at` });
        else problems.push({ index, field: issue.path.join('.'), message: issue.message });
      }
      return;
    }
    const n = normalise(r.data.list, r.data.value);
    if ('message' in n) return void problems.push({ index, field: 'value', message: n.message });
    out.push({ list: r.data.list, action: r.data.action, value: n.value, ...(r.data.expires_at !== undefined && r.data.expires_at !== null ? { expires_at: r.data.expires_at } : {}) });
  });
  if (problems.length > 0) {
    const first = problems[0]!;
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more in details.problems)` : '';
    throw new PaygateError('RISK.INVALID_LIST_ENTRY', `entries[${first.index}].${first.field}: ${first.message}${more}`, { field: `entries[${first.index}].${first.field}`, details: { problems } });
  }
  return out;
}

const RANK: Record<ListAction, number> = { review: 1, block: 2, allow: 3 };

/** The lists of one merchant (or the platform's), indexed for decisions. Build it from validated entries. */
export class ListIndex {
  private readonly exact: Record<Exclude<ListName, 'ip'>, Map<string, ListEntry[]>> = { device: new Map(), customer: new Map(), email: new Map(), country: new Map() };
  private readonly ips: IpRangeIndex<ListEntry>;
  readonly size: number;

  constructor(entries: readonly ListEntry[]) {
    const ranges: Array<{ range: ReturnType<typeof parseIpOrCidr> & { ok: true }; item: ListEntry }> = [];
    for (const e of entries) {
      if (e.list === 'ip') {
        const r = parseIpOrCidr(e.value);
        if (!r.ok) throw new PaygateError('RISK.INVALID_LIST_ENTRY', r.message, { field: 'value' });
        ranges.push({ range: r, item: e });
      } else {
        const m = this.exact[e.list];
        const at = m.get(e.value);
        if (at) at.push(e); else m.set(e.value, [e]);
      }
    }
    this.ips = new IpRangeIndex(ranges.map((r) => ({ range: r.range.range, item: r.item })));
    this.size = entries.length;
  }

  /** The live entries hitting this payment and what they decide; `now` in epoch ms. */
  hits(a: Attributes, now: number): ListHits {
    const hits: ListEntry[] = [];
    let best: ListAction | undefined;
    const take = (found: readonly ListEntry[] | undefined) => {
      if (!found) return;
      for (const e of found) {
        if (e.expires_at !== undefined && e.expires_at <= now) continue;
        hits.push(e);
        if (best === undefined || RANK[e.action] > RANK[best]) best = e.action;
      }
    };
    if (a.client_ip) take(this.ips.lookup(a.client_ip));
    if (a.device_id) take(this.exact.device.get(a.device_id));
    if (a.customer?.id) take(this.exact.customer.get(a.customer.id));
    if (a.customer?.email) take(this.exact.email.get(a.customer.email.toLowerCase()));
    if (a.payer_country) take(this.exact.country.get(a.payer_country.toUpperCase()));
    if (a.ip_country && a.ip_country.toUpperCase() !== a.payer_country?.toUpperCase()) take(this.exact.country.get(a.ip_country.toUpperCase()));
    return { action: best, hits };
  }
}

/** Validates raw entries and indexes them. */
export function buildListIndex(input: unknown): ListIndex {
  return new ListIndex(validateListEntries(input));
}

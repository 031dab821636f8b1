import { describe, expect, it } from 'vitest';
import { PaygateError } from '../errors.js';
import type { Attributes } from './attributes.js';
import { buildListIndex, validateListEntries, type ListEntry } from './lists.js';

const pay = (extra: Partial<Attributes>): Attributes => ({ amount: 100, currency: 'CNY', method: 'alipay_qr', merchant_id: 'm', hour: 1, ...extra });
const NOW = 1_800_000_000_000;
/** An entry as the admin API receives it (list and action are strings there: bad ones are tested too). */
const entry = (list: string, action: string, value: string) => ({ list, action, value });

function problems(input: unknown): Array<{ index: number; field: string; message: string }> {
  try {
    validateListEntries(input);
  } catch (err) {
    expect((err as PaygateError).code).toBe('RISK.INVALID_LIST_ENTRY');
    return (err as PaygateError).details?.problems as Array<{ index: number; field: string; message: string }>;
  }
  throw new Error('accepted');
}

describe('list entries: validation and normalisation', () => {
  it('normalises emails, countries and addresses', () => {
    expect(validateListEntries([
      entry('email', 'block', ' Bad.Guy@Example.COM '),
      entry('country', 'review', 'ng'),
      entry('ip', 'block', '2001:DB8:0:0::/32'),
      entry('ip', 'block', '::ffff:10.0.0.0/104'),
    ]).map((e) => e.value)).toEqual(['bad.guy@example.com', 'NG', '2001:db8::/32', '10.0.0.0/8']);
  });

  it('refuses each bad entry with RISK.INVALID_LIST_ENTRY, by index and field', () => {
    const p = problems([
      entry('ip', 'block', '300.1.1.1'),
      entry('ip', 'block', '10.1.2.3/8'),
      entry('ip', 'block', '0x7f.1'),
      entry('email', 'block', 'no-at-sign'),
      entry('country', 'block', 'ZZ'),
      entry('phone', 'block', 'x'),
      entry('device', 'deny', 'd1'),
      { list: 'device', action: 'block', value: 'd1', note: 'x' },
      { list: 'device', action: 'block', value: 'd1', expires_at: 1.5 },
      entry('device', 'block', 'has space'),
    ]);
    expect(p.map((x) => [x.index, x.field])).toEqual([[0, 'value'], [1, 'value'], [2, 'value'], [3, 'value'], [4, 'value'], [5, 'list'], [6, 'action'], [7, 'note'], [8, 'expires_at'], [9, 'value']]);
    expect(p[1]!.message).toContain('host bits set under /8; send the network address, e.g. 10.0.0.0/8');
    expect(p[4]!.message).toContain('ISO 3166 alpha-2');
    expect(() => validateListEntries('nope')).toThrow(PaygateError);
  });
});

describe('list index', () => {
  const entries: ListEntry[] = validateListEntries([
    entry('ip', 'review', '198.51.100.0/24'),
    entry('ip', 'block', '198.51.100.128/25'),
    entry('ip', 'block', '203.0.113.7'),
    entry('ip', 'block', '2001:db8::/32'),
    entry('ip', 'allow', '2001:db8:1::/48'),
    entry('device', 'block', 'dev_bad'),
    entry('customer', 'allow', 'cus_vip'),
    entry('email', 'review', 'x@evil.com'),
    entry('country', 'block', 'KP'),
    { list: 'device', action: 'block', value: 'dev_old', expires_at: NOW },
    { list: 'device', action: 'review', value: 'dev_soon', expires_at: NOW + 1 },
  ]);
  const index = buildListIndex(entries);
  const hit = (a: Partial<Attributes>) => index.hits(pay(a), NOW);

  it('finds IPv4 CIDRs at their edges and not one past them, nested ranges both', () => {
    expect(hit({ client_ip: '198.51.100.0' }).action).toBe('review');
    expect(hit({ client_ip: '198.51.100.127' }).action).toBe('review');
    expect(hit({ client_ip: '198.51.100.128' }).hits.map((h) => h.value).sort()).toEqual(['198.51.100.0/24', '198.51.100.128/25']);
    expect(hit({ client_ip: '198.51.100.255' }).action).toBe('block');
    expect(hit({ client_ip: '198.51.101.0' }).action).toBeUndefined();
    expect(hit({ client_ip: '198.51.99.255' }).action).toBeUndefined();
    expect(hit({ client_ip: '203.0.113.7' }).action).toBe('block');
    expect(hit({ client_ip: '203.0.113.8' }).action).toBeUndefined();
    expect(hit({ client_ip: '::ffff:203.0.113.7' }).action).toBe('block');
    expect(hit({ client_ip: 'not an ip' }).action).toBeUndefined();
  });

  it('finds IPv6 CIDRs; an allow hit beats the block that contains it', () => {
    expect(hit({ client_ip: '2001:db8:ffff::1' }).action).toBe('block');
    expect(hit({ client_ip: '2001:db8:1:2::3' }).action).toBe('allow');
    expect(hit({ client_ip: '2001:db9::1' }).action).toBeUndefined();
  });

  it('precedence: allow > block > review across lists', () => {
    expect(hit({ device_id: 'dev_bad', customer: { email: 'X@Evil.com' } }).action).toBe('block');
    expect(hit({ device_id: 'dev_bad', customer: { id: 'cus_vip' } }).action).toBe('allow');
    expect(hit({ customer: { email: 'x@evil.com' } }).action).toBe('review');
    expect(hit({ ip_country: 'KP', payer_country: 'CN' }).action).toBe('block');
    expect(hit({ payer_country: 'kp' }).action).toBe('block');
  });

  it('ignores expired entries (expires_at is the first instant they no longer apply)', () => {
    expect(hit({ device_id: 'dev_old' }).action).toBeUndefined();
    expect(hit({ device_id: 'dev_soon' }).action).toBe('review');
    expect(index.hits(pay({ device_id: 'dev_soon' }), NOW + 1).action).toBeUndefined();
  });

  it('answers on 100,000 entries, IPv4 exact + CIDR and IPv6, as a linear scan does', () => {
    const raw: ListEntry[] = [];
    for (let i = 0; i < 60_000; i++) raw.push({ list: 'ip', action: 'block', value: `10.${(i >> 8) & 255}.${i & 255}.${i % 7}` });
    for (let i = 0; i < 20_000; i++) raw.push({ list: 'ip', action: i % 3 === 0 ? 'allow' : 'review', value: `172.${16 + (i >> 8) % 16}.${i & 255}.0/${24 + (i % 5)}`.replace(/\.0\/(2[5-8])$/, (m, b: string) => `.${(i * 16) & (256 - (1 << (32 - Number(b))))}/${b}`) });
    for (let i = 0; i < 20_000; i++) raw.push({ list: 'ip', action: 'block', value: `2001:db8:${i.toString(16)}::/48` });
    const big = buildListIndex(raw);
    expect(big.size).toBe(100_000);
    const toNum = (ip: string) => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
    const v4 = validateListEntries(raw.slice(0, 80_000)).map((e) => {
      const [a, b = '32'] = e.value.split('/');
      const first = toNum(a!), size = 2 ** (32 - Number(b));
      return { e, first, last: first + size - 1 };
    });
    for (const ip of ['10.0.5.5', '10.0.5.6', '10.1.2.2', '172.16.3.7', '172.20.9.200', '172.31.255.1', '9.9.9.9']) {
      const want = v4.filter((r) => toNum(ip) >= r.first && toNum(ip) <= r.last).map((r) => r.e.value).sort();
      expect(big.hits(pay({ client_ip: ip }), NOW).hits.map((h) => h.value).sort(), ip).toEqual(want);
    }
    expect(big.hits(pay({ client_ip: '2001:db8:4e1f::9' }), NOW).action).toBe('block');
    const t = performance.now();
    for (let i = 0; i < 10_000; i++) big.hits(pay({ client_ip: `10.${i & 255}.${i & 255}.1` }), NOW);
    expect((performance.now() - t) / 10_000).toBeLessThan(0.05); // ms per lookup: logarithmic, not a scan
  });
});

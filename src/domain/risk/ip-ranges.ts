/**
 * IP addresses and CIDRs as ranges, and an index that finds every range holding an
 * address in O(log n): the ranges are cut at every boundary into sorted, non-overlapping
 * segments, each holding the entries that cover all of it, and a lookup is one binary
 * search. IPv4 lives on plain numbers (0 .. 2^32-1), IPv6 on BigInt; an IPv4-mapped IPv6
 * address (::ffff:1.2.3.4) is the IPv4 address, in entries and lookups alike.
 */
import ipaddr from 'ipaddr.js';

export interface IpRange { v6: boolean; first: bigint; last: bigint }

export type RangeParse = { ok: true; range: IpRange; canonical: string } | { ok: false; message: string };

function toBig(bytes: number[]): bigint {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return n;
}

/** An address or CIDR as a range; refuses host bits under the prefix (say 10.0.0.0/8, not 10.1.2.3/8). */
export function parseIpOrCidr(text: string): RangeParse {
  const s = text.trim();
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  let bits: number;
  try {
    if (s.includes('/')) [addr, bits] = ipaddr.parseCIDR(s);
    else {
      addr = ipaddr.parse(s);
      bits = addr.kind() === 'ipv4' ? 32 : 128;
    }
  } catch {
    return { ok: false, message: `"${text}" is not an IPv4 or IPv6 address or CIDR; send e.g. 203.0.113.7, 198.51.100.0/24 or 2001:db8::/32` };
  }
  // ipaddr.parse takes old forms (0x7f.1, 10.1, octal); an operator means four decimal parts.
  if (addr.kind() === 'ipv4' && !ipaddr.IPv4.isValidFourPartDecimal(s.split('/')[0]!)) {
    return { ok: false, message: `"${text}" is not a four-part decimal IPv4 address; send e.g. 203.0.113.7` };
  }
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
    addr = (addr as ipaddr.IPv6).toIPv4Address();
    bits -= 96;
  }
  const v6 = addr.kind() === 'ipv6';
  const width = v6 ? 128n : 32n;
  const value = toBig(addr.toByteArray());
  const hostMask = (1n << (width - BigInt(bits))) - 1n;
  const first = value & ~hostMask & ((1n << width) - 1n);
  if (first !== value) {
    return { ok: false, message: `"${text}" has host bits set under /${bits}; send the network address, e.g. ${networkText(first, v6)}/${bits}` };
  }
  const canonical = bits === Number(width) ? addr.toString() : `${addr.toString()}/${bits}`;
  return { ok: true, range: { v6, first, last: first | hostMask }, canonical };
}

function networkText(n: bigint, v6: boolean): string {
  const bytes: number[] = [];
  for (let i = v6 ? 15 : 3; i >= 0; i--) bytes.push(Number((n >> BigInt(i * 8)) & 0xffn));
  return ipaddr.fromByteArray(bytes).toString();
}

/** An address for lookup: a number for IPv4, a BigInt for IPv6, undefined when it is neither. */
export function parseAddress(text: string): { v6: false; n: number } | { v6: true; n: bigint } | undefined {
  // Fast path for the common dotted quad; anything else goes through ipaddr.js.
  let n = 0, part = -1, dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (part < 0 || ++dots > 3) { n = -1; break; }
      n = n * 256 + part;
      part = -1;
    } else if (c >= 48 && c <= 57) {
      part = part < 0 ? c - 48 : part * 10 + c - 48;
      if (part > 255) { n = -1; break; }
    } else { n = -1; break; }
  }
  if (n >= 0 && dots === 3 && part >= 0) return { v6: false, n: n * 256 + part };
  if (!ipaddr.isValid(text)) return undefined;
  const a = ipaddr.process(text);
  if (a.kind() === 'ipv4') return { v6: false, n: Number(toBig(a.toByteArray())) };
  return { v6: true, n: toBig(a.toByteArray()) };
}

/** Sorted non-overlapping segments [starts[i], ends[i]] with the items covering each. */
class Segments<K extends number | bigint, T> {
  constructor(readonly starts: K[], readonly ends: K[], readonly items: T[][]) {}

  find(x: K): readonly T[] {
    const { starts, ends } = this;
    let lo = 0, hi = starts.length - 1, at = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (starts[mid]! <= x) { at = mid; lo = mid + 1; } else hi = mid - 1;
    }
    return at >= 0 && x <= ends[at]! ? this.items[at]! : [];
  }
}

function sweep<K extends number | bigint, T>(ranges: Array<{ first: K; last: K; item: T }>, succ: (k: K) => K, pred: (k: K) => K): Segments<K, T> {
  const events: Array<{ at: K; add: boolean; id: number }> = [];
  ranges.forEach((r, id) => { events.push({ at: r.first, add: true, id }, { at: succ(r.last), add: false, id }); });
  events.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  const starts: K[] = [], ends: K[] = [], items: T[][] = [];
  const active = new Set<number>();
  for (let i = 0; i < events.length;) {
    const at = events[i]!.at;
    for (; i < events.length && events[i]!.at === at; i++) {
      const e = events[i]!;
      if (e.add) active.add(e.id); else active.delete(e.id);
    }
    if (active.size > 0 && i < events.length) {
      starts.push(at);
      ends.push(pred(events[i]!.at));
      items.push([...active].map((id) => ranges[id]!.item));
    }
  }
  return new Segments(starts, ends, items);
}

/** Every item whose range holds an address, in O(log n) per lookup. */
export class IpRangeIndex<T> {
  private readonly v4: Segments<number, T>;
  private readonly v6: Segments<bigint, T>;

  constructor(entries: ReadonlyArray<{ range: IpRange; item: T }>) {
    const v4: Array<{ first: number; last: number; item: T }> = [];
    const v6: Array<{ first: bigint; last: bigint; item: T }> = [];
    for (const { range, item } of entries) {
      if (range.v6) v6.push({ first: range.first, last: range.last, item });
      else v4.push({ first: Number(range.first), last: Number(range.last), item });
    }
    this.v4 = sweep(v4, (k) => k + 1, (k) => k - 1);
    this.v6 = sweep(v6, (k) => k + 1n, (k) => k - 1n);
  }

  lookup(address: string): readonly T[] {
    const a = parseAddress(address);
    if (!a) return [];
    return a.v6 ? this.v6.find(a.n) : this.v4.find(a.n);
  }

  get segments(): number {
    return this.v4.starts.length + this.v6.starts.length;
  }
}

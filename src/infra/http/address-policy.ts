/**
 * Which addresses a merchant-chosen URL (a webhook endpoint) may reach. Only globally
 * routable unicast is allowed by default; loopback, private, link-local, CGNAT, multicast,
 * broadcast, unspecified, reserved, IPv6 unique-local and every IPv6 form that carries such
 * an IPv4 address (mapped, NAT64, IPv4-compatible, 6to4, Teredo) are refused unless the
 * operator's allow list (PAYGATE_WEBHOOK_ALLOWED_HOSTS) names the host or a range holding
 * the address. Pure: no I/O, used at registration and by the connect-time guard (egress.ts).
 */
import net from 'node:net';
import ipaddr from 'ipaddr.js';

type Ip = ipaddr.IPv4 | ipaddr.IPv6;

export interface AllowList {
  /** Host names allowed whatever they resolve to (lower case, no trailing dot). */
  readonly hosts: ReadonlySet<string>;
  readonly ranges: ReadonlyArray<readonly [Ip, number]>;
  /** The entries as configured, for messages and the banner. */
  readonly entries: readonly string[];
}

export const EMPTY_ALLOW_LIST: AllowList = Object.freeze({ hosts: new Set<string>(), ranges: [], entries: [] });

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

/**
 * "127.0.0.0/8, ::1, hooks.internal" → an AllowList; `none` is the explicit empty list (an
 * empty variable means "unset", which keeps the default). Throws with a message naming the
 * bad entry, so a typo fails the boot instead of silently allowing or refusing.
 */
export function parseAllowList(raw: string): AllowList {
  const entries = raw.split(',').map((e) => e.trim()).filter((e) => e !== '');
  if (entries.length === 1 && entries[0]!.toLowerCase() === 'none') return EMPTY_ALLOW_LIST;
  const hosts = new Set<string>();
  const ranges: Array<readonly [Ip, number]> = [];
  for (const entry of entries) {
    const bare = entry.replace(/^\[(.*)\](\/\d+)?$/, '$1$2');
    if (bare.includes('/')) {
      if (!ipaddr.isValidCIDR(bare)) throw new Error(`"${entry}" is not a valid CIDR range (e.g. 10.1.0.0/16 or fd00::/8)`);
      const bits = ipaddr.parseCIDR(bare)[1];
      ranges.push([parseIp(bare.slice(0, bare.indexOf('/'))), bits]);
    } else if (net.isIP(bare)) {
      const ip = parseIp(bare);
      ranges.push([ip, ip.kind() === 'ipv4' ? 32 : 128]);
    } else {
      const host = normalizeHost(bare);
      if (!HOST_NAME.test(host) || /^[\d.]+$/.test(host)) {
        throw new Error(`"${entry}" is neither a host name (no port, no scheme) nor an IP address or CIDR range`);
      }
      hosts.add(host);
    }
  }
  return Object.freeze({ hosts, ranges, entries: Object.freeze(entries) });
}

/**
 * ipaddr.js reads any IPv6 address with a dotted tail as IPv4-mapped (::8.8.8.8 becomes
 * ::ffff:8.8.8.8), but ::a.b.c.d is the IPv4-compatible form, a different destination.
 * Rewriting the tail as two hex groups first keeps the two apart.
 */
function parseIp(address: string): Ip {
  const m = /^(.*:)(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(address);
  if (m && net.isIPv6(address)) {
    const o = m.slice(2).map(Number) as [number, number, number, number];
    return ipaddr.parse(`${m[1]!}${((o[0] << 8) | o[1]).toString(16)}:${((o[2] << 8) | o[3]).toString(16)}`);
  }
  return ipaddr.parse(address);
}

/** URL host as the policy compares it: lower case, brackets and the trailing dot removed. */
export function normalizeHost(hostname: string): string {
  return hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
}

const V4_REASONS: Record<string, string> = {
  unspecified: 'unspecified', broadcast: 'broadcast', multicast: 'multicast', linkLocal: 'link-local',
  loopback: 'loopback', carrierGradeNat: 'carrier-grade NAT (100.64.0.0/10)', private: 'private',
  reserved: 'reserved', as112: 'reserved (AS112)', amt: 'reserved (AMT)',
};
const V6_REASONS: Record<string, string> = {
  unspecified: 'unspecified', linkLocal: 'link-local', multicast: 'multicast', loopback: 'loopback',
  uniqueLocal: 'unique local (fc00::/7)', deprecatedSiteLocal: 'site-local (deprecated)',
  teredo: 'a Teredo tunnel address', '6to4': 'a 6to4 tunnel address',
};

/** The IPv4 address an IPv6 address stands for, when it is one of the forms that embed one. */
function embeddedV4(ip: ipaddr.IPv6): { v4: ipaddr.IPv4; form: string } | null {
  const p = ip.parts;
  const v4 = (hi: number, lo: number) => new ipaddr.IPv4([hi >> 8, hi & 255, lo >> 8, lo & 255]);
  if (ip.isIPv4MappedAddress()) return { v4: ip.toIPv4Address(), form: 'IPv4-mapped' };
  if (p[0] === 0 && p[1] === 0 && p[2] === 0 && p[3] === 0 && p[4] === 0xffff && p[5] === 0) return { v4: v4(p[6]!, p[7]!), form: 'IPv4-translated' };
  if (p[0] === 0x64 && p[1] === 0xff9b && p[2] === 0 && p[3] === 0 && p[4] === 0 && p[5] === 0) return { v4: v4(p[6]!, p[7]!), form: 'NAT64' };
  return null;
}

/**
 * Why this address is refused by default, or null when it is globally routable unicast.
 * The reason reads after "address X is …".
 */
export function forbiddenReason(address: string): string | null {
  const ip = parseIp(address);
  if (ip.kind() === 'ipv4') {
    const range = (ip as ipaddr.IPv4).range();
    return range === 'unicast' ? null : V4_REASONS[range] ?? `special-purpose (${range})`;
  }
  const v6 = ip as ipaddr.IPv6;
  const inner = embeddedV4(v6);
  if (inner) {
    const why = forbiddenReason(inner.v4.toString());
    return why === null ? null : `${why} (${inner.form} form of ${inner.v4.toString()})`;
  }
  const p = v6.parts;
  if (p[0] === 0x64 && p[1] === 0xff9b && p[2] === 1) return 'local-use NAT64 (64:ff9b:1::/48)';
  // ::a.b.c.d (deprecated): the kernel may route it to the IPv4 address inside.
  if (p.slice(0, 6).every((x) => x === 0) && !(p[6] === 0 && p[7]! <= 1)) return 'IPv4-compatible (deprecated)';
  const range = v6.range();
  if (range === 'unicast') return null;
  return V6_REASONS[range] ?? `reserved (${range})`;
}

function inRanges(ip: Ip, allow: AllowList): boolean {
  return allow.ranges.some(([net_, bits]) => net_.kind() === ip.kind() && ip.match(net_, bits));
}

/** Null when Paygate may connect to this address, else the reason it may not. */
export function addressProblem(address: string, allow: AllowList): string | null {
  const ip = parseIp(address);
  if (inRanges(ip, allow)) return null;
  if (ip.kind() === 'ipv6') {
    const inner = embeddedV4(ip as ipaddr.IPv6);
    if (inner && inRanges(inner.v4, allow)) return null;
  }
  return forbiddenReason(address);
}

export const ALLOW_HINT = 'allow it with PAYGATE_WEBHOOK_ALLOWED_HOSTS';

/**
 * Registration check of a URL's host: a literal address or a localhost name that the policy
 * refuses is known now, so the merchant hears it at once. Other host names resolve later
 * and are checked when the delivery connects (their DNS may change in between anyway).
 */
export function literalHostProblem(hostname: string, allow: AllowList): string | null {
  const host = normalizeHost(hostname);
  if (allow.hosts.has(host)) return null;
  if (net.isIP(host)) {
    const why = addressProblem(host, allow);
    return why === null ? null : `address ${host} is ${why}; ${ALLOW_HINT}`;
  }
  if (host === 'localhost' || host.endsWith('.localhost')) return `${host} is loopback; ${ALLOW_HINT}`;
  return null;
}

/**
 * The country of an IP address, for risk rules (payer country against card or account
 * country, IP country against the merchant's markets). Offline: the database is a file in an
 * npm package (@ip-location-db/geo-whois-asn-country-mmdb, CC0 packaging of RIR WHOIS and
 * ASN data under CC BY 4.0 by the NRO), read with mmdb-lib; nothing is downloaded at run
 * time. docs/adr/0011-risk-infra.md says why this one.
 *
 * Only globally routable unicast addresses are looked up: private, loopback, link-local,
 * CGNAT, documentation and other special ranges answer null — the database does hold
 * entries for some of them (2001:db8::/32 comes back as a country), and a risk rule must not
 * read a country into an address that has none. IPv4-mapped IPv6 (::ffff:a.b.c.d, what a
 * dual-stack socket reports) is looked up as the IPv4 address.
 *
 * The packaged file ages: upstream stopped publishing it to npm in mid-2026. `file` takes a
 * newer country MMDB (the same project's releases, or a MaxMind-style country database,
 * whose `country.iso_code` is read too), and `builtAt` tells how old the data is.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import ipaddr from 'ipaddr.js';
import { Reader, type Response } from 'mmdb-lib';

export interface GeoIp {
  /** ISO 3166-1 alpha-2 (upper case), or null: not an address, not public, or not in the database. */
  country(address: string): string | null;
  /** When the database file was built (its metadata). */
  readonly builtAt: Date;
}

export interface GeoIpOptions {
  /** A country MMDB file; default: the one in @ip-location-db/geo-whois-asn-country-mmdb (IPv4 and IPv6). */
  file?: string;
}

export function defaultGeoIpFile(): string {
  return createRequire(import.meta.url).resolve('@ip-location-db/geo-whois-asn-country-mmdb/geo-whois-asn-country.mmdb');
}

const COUNTRY = /^[A-Z]{2}$/;

/** Reads the whole file (about 8 MB) once; lookups are then in memory, a few microseconds each. */
export function openGeoIp(opts: GeoIpOptions = {}): GeoIp {
  const file = opts.file ?? defaultGeoIpFile();
  const reader = new Reader<Response>(fs.readFileSync(file));
  return {
    builtAt: reader.metadata.buildEpoch,
    country(address) {
      const ip = publicAddress(address);
      if (ip === null) return null;
      return countryOf(reader.get(ip));
    },
  };
}

/** The code in either layout of country databases: ip-location-db's `country_code`, MaxMind's `country.iso_code`. */
export function countryOf(record: unknown): string | null {
  if (typeof record !== 'object' || record === null) return null;
  const r = record as { country_code?: unknown; country?: { iso_code?: unknown } | null };
  const code = typeof r.country_code === 'string' ? r.country_code : r.country?.iso_code;
  if (typeof code !== 'string') return null;
  const upper = code.toUpperCase();
  return COUNTRY.test(upper) ? upper : null;
}

/** The address in canonical form if it is globally routable unicast, else null. */
export function publicAddress(address: string): string | null {
  if (typeof address !== 'string') return null;
  const bare = address.trim();
  // A zone id (fe80::1%eth0) only ever marks a link-local address.
  if (net.isIP(bare) === 0 || bare.includes('%')) return null;
  let ip: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    ip = ipaddr.process(bare);
  } catch {
    return null;
  }
  return ip.range() === 'unicast' ? ip.toString() : null;
}

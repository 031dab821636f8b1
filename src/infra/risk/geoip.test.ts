/** Country by IP from the packaged offline database; non-public and junk input answer null. */
import { describe, expect, it } from 'vitest';
import { countryOf, defaultGeoIpFile, openGeoIp, publicAddress } from './geoip.js';

const geo = openGeoIp();

describe('geo-ip', () => {
  it('knows well-known public addresses, IPv4 and IPv6', () => {
    // What the packaged database says (RIR registrations): Google DNS, CNNIC's public DNS, 114DNS, RIPE NCC.
    expect(geo.country('8.8.8.8')).toBe('US');
    expect(geo.country('1.2.4.8')).toBe('CN');
    expect(geo.country('114.114.114.114')).toBe('CN');
    expect(geo.country('193.0.6.139')).toBe('NL');
    expect(geo.country('2001:4860:4860::8888')).toBe('US');
    expect(geo.country('2400:3200::1')).toBe('CN');
    // As a dual-stack socket reports an IPv4 client; surrounding blanks are forgiven.
    expect(geo.country('::ffff:8.8.8.8')).toBe('US');
    expect(geo.country(' 1.2.4.8 ')).toBe('CN');
  });

  it('answers null for private, loopback, link-local, CGNAT and documentation addresses', () => {
    for (const a of ['10.1.2.3', '192.168.0.1', '172.16.5.4', '127.0.0.1', '169.254.1.1', '100.64.0.1', '0.0.0.0', '255.255.255.255', '224.0.0.1', '192.0.2.10',
      '::1', '::', 'fe80::1', 'fe80::1%eth0', 'fd12:3456::1', '::ffff:10.0.0.1', '2001:db8::1', '2002:808:808::1']) {
      expect(geo.country(a), a).toBeNull();
    }
  });

  it('answers null for anything that is not an address', () => {
    for (const a of ['', 'junk', '8.8.8', '8.8.8.8.8', '999.1.1.1', '8.8.8.8:443', '[2001:4860:4860::8888]', 'example.com', '1.2.4.8/24', '０.０.０.０']) {
      expect(geo.country(a), a).toBeNull();
    }
    expect(geo.country(undefined as unknown as string)).toBeNull();
    expect(publicAddress('::FFFF:8.8.8.8')).toBe('8.8.8.8');
  });

  it('reads both record layouts (ip-location-db, MaxMind) and nothing else', () => {
    expect(countryOf({ country_code: 'de' })).toBe('DE');
    expect(countryOf({ country: { iso_code: 'JP', names: { en: 'Japan' } } })).toBe('JP');
    for (const r of [null, undefined, 'US', {}, { country_code: 'USA' }, { country_code: 7 }, { country: null }, { country: { iso_code: 'Z1' } }]) expect(countryOf(r)).toBeNull();
  });

  it('reads the file named, and tells when its data was built', () => {
    const again = openGeoIp({ file: defaultGeoIpFile() });
    expect(again.country('8.8.8.8')).toBe('US');
    expect(geo.builtAt.getUTCFullYear()).toBeGreaterThanOrEqual(2026);
    expect(() => openGeoIp({ file: '/nonexistent.mmdb' })).toThrow(/ENOENT/);
  });
});

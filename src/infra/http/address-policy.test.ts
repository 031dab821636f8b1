import { describe, expect, it } from 'vitest';
import { addressProblem, forbiddenReason, literalHostProblem, parseAllowList, EMPTY_ALLOW_LIST } from './address-policy.js';
import { loadConfig, ConfigError } from '../config.js';

describe('forbiddenReason: what a webhook may not reach by default', () => {
  const cases: Array<[string, RegExp]> = [
    ['127.0.0.1', /^loopback$/], ['127.255.255.254', /^loopback$/],
    ['10.0.0.1', /^private$/], ['172.16.0.1', /^private$/], ['172.31.255.255', /^private$/], ['192.168.0.1', /^private$/],
    ['169.254.169.254', /^link-local$/], ['100.64.0.1', /carrier-grade NAT/], ['100.127.255.255', /carrier-grade NAT/],
    ['224.0.0.1', /^multicast$/], ['239.255.255.250', /^multicast$/], ['255.255.255.255', /^broadcast$/],
    ['0.0.0.0', /^unspecified$/], ['0.1.2.3', /^unspecified$/], ['240.0.0.1', /^reserved$/], ['192.0.2.1', /^reserved$/], ['198.18.0.1', /^reserved$/],
    ['::1', /^loopback$/], ['::', /^unspecified$/], ['fe80::1', /^link-local$/], ['febf::1', /^link-local$/],
    ['fc00::1', /unique local/], ['fd00:ec2::254', /unique local/], ['ff02::1', /^multicast$/], ['fec0::1', /site-local/],
    ['::ffff:127.0.0.1', /^loopback \(IPv4-mapped form of 127\.0\.0\.1\)$/], ['::ffff:7f00:1', /^loopback/],
    ['::ffff:a9fe:a9fe', /^link-local \(IPv4-mapped form of 169\.254\.169\.254\)$/],
    ['::ffff:0:a00:1', /^private \(IPv4-translated form of 10\.0\.0\.1\)$/],
    ['64:ff9b::a00:1', /^private \(NAT64 form of 10\.0\.0\.1\)$/], ['64:ff9b::7f00:1', /^loopback \(NAT64/],
    ['64:ff9b:1::a00:1', /local-use NAT64/],
    ['::7f00:1', /IPv4-compatible/], ['::a00:1', /IPv4-compatible/], ['::8.8.8.8', /IPv4-compatible/],
    ['2002:7f00:1::', /6to4/], ['2002:a00:1::1', /6to4/], ['2001:0:4136:e378:8000:63bf:3fff:fdd2', /Teredo/],
    ['2001:db8::1', /reserved/], ['100::1', /reserved|discard/],
  ];
  it.each(cases)('%s is refused (%s)', (address, reason) => {
    expect(forbiddenReason(address)).toMatch(reason);
  });

  it.each(['93.184.215.14', '8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '2a00:1450:4001:80b::200e', '::ffff:8.8.8.8', '64:ff9b::808:808'])(
    '%s is globally routable', (address) => {
      expect(forbiddenReason(address)).toBeNull();
    });
});

describe('PAYGATE_WEBHOOK_ALLOWED_HOSTS', () => {
  it('parses hosts, addresses and CIDR ranges; allows what they name and nothing else', () => {
    const allow = parseAllowList(' 10.1.0.0/16 , fd00::/8,192.168.7.7 ,[::1], Hooks.Internal. ');
    expect([...allow.hosts]).toEqual(['hooks.internal']);
    expect(addressProblem('10.1.2.3', allow)).toBeNull();
    expect(addressProblem('10.2.0.1', allow)).toBe('private');
    expect(addressProblem('fd12::1', allow)).toBeNull();
    expect(addressProblem('192.168.7.7', allow)).toBeNull();
    expect(addressProblem('192.168.7.8', allow)).toBe('private');
    expect(addressProblem('::1', allow)).toBeNull();
    expect(addressProblem('127.0.0.1', allow)).toBe('loopback');
    // The mapped form of an allowed IPv4 address is the same destination.
    expect(addressProblem('::ffff:10.1.0.9', allow)).toBeNull();
    expect(literalHostProblem('HOOKS.internal', allow)).toBeNull();
    expect(literalHostProblem('[::1]', allow)).toBeNull();
    expect(literalHostProblem('10.3.0.1', allow)).toBe('address 10.3.0.1 is private; allow it with PAYGATE_WEBHOOK_ALLOWED_HOSTS');
    expect(literalHostProblem('localhost', allow)).toBe('localhost is loopback; allow it with PAYGATE_WEBHOOK_ALLOWED_HOSTS');
    expect(literalHostProblem('hooks.example.com', allow)).toBeNull(); // a name: checked at delivery
  });

  it('`none` is the explicit empty list', () => {
    expect(parseAllowList('none')).toBe(EMPTY_ALLOW_LIST);
    expect(literalHostProblem('127.0.0.1', parseAllowList('none'))).toMatch(/loopback/);
  });

  it.each(['10.0.0.0/33', '300.1.1.1', 'http://hooks.internal', 'hooks.internal:8080', 'fd00::/129', 'a..b', '1.2.3'])('refuses %s at boot', (entry) => {
    expect(() => parseAllowList(`127.0.0.1,${entry}`)).toThrow(/is (not a valid CIDR|neither a host name)/);
    expect(() => loadConfig({ PAYGATE_WEBHOOK_ALLOWED_HOSTS: entry })).toThrow(ConfigError);
  });

  it('defaults to loopback only in the embedded quick start, and says so', () => {
    const quick = loadConfig({});
    expect(quick.webhookLoopbackByDefault).toBe(true);
    expect(addressProblem('127.0.0.1', quick.webhookAllowList)).toBeNull();
    expect(addressProblem('::1', quick.webhookAllowList)).toBeNull();
    expect(literalHostProblem('localhost', quick.webhookAllowList)).toBeNull();
    expect(addressProblem('10.0.0.1', quick.webhookAllowList)).toBe('private');
    expect(addressProblem('169.254.169.254', quick.webhookAllowList)).toBe('link-local');

    const key = Buffer.alloc(32, 7).toString('base64');
    for (const env of [{ DATABASE_URL: 'postgres://db/paygate', PAYGATE_MASTER_KEY: key }, { NODE_ENV: 'production' }]) {
      const prod = loadConfig(env);
      expect(prod.webhookLoopbackByDefault).toBe(false);
      expect(addressProblem('127.0.0.1', prod.webhookAllowList)).toBe('loopback');
    }
    const explicit = loadConfig({ PAYGATE_WEBHOOK_ALLOWED_HOSTS: 'none' });
    expect(explicit.webhookLoopbackByDefault).toBe(false);
    expect(addressProblem('127.0.0.1', explicit.webhookAllowList)).toBe('loopback');
  });
});

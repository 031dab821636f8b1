/** The budgets' arithmetic and how clients are told apart; the HTTP side is in http/admission.test.ts. */
import { describe, expect, it } from 'vitest';
import { clientKey, InflightBudget, type Slot } from './admission.js';

describe('InflightBudget', () => {
  it('caps the total and each holder, and gives a slot back exactly once', () => {
    const b = new InflightBudget(3, 2);
    const a1 = b.take('a') as Slot;
    const a2 = b.take('a') as Slot;
    expect(b.take('a')).toBe('holder_full');
    const c1 = b.take('c') as Slot;
    expect(b.size).toBe(3);
    expect(b.take('d')).toBe('full');
    expect(b.take()).toBe('full');
    a1.release();
    a1.release(); // a double release must not free someone else's slot
    expect(b.size).toBe(2);
    expect(b.take('c')).not.toBe('holder_full');
    expect(b.take('a')).toBe('full');
    a2.release();
    c1.release();
    expect(b.size).toBe(1);
    expect(typeof b.take('a')).toBe('object');
  });

  it('forgets holders that hold nothing, so the holder map stays bounded by the cap', () => {
    const b = new InflightBudget(2, 1);
    for (let i = 0; i < 10_000; i++) (b.take(`payment-${i}`) as Slot).release();
    expect(b.size).toBe(0);
    expect((b as unknown as { held: Map<string, number> }).held.size).toBe(0);
  });
});

describe('clientKey', () => {
  it('keys IPv4 by address, IPv4-mapped IPv6 as IPv4, IPv6 by its /64', () => {
    expect(clientKey('203.0.113.7')).toBe('203.0.113.7');
    expect(clientKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:0db8:0001:0002:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
    expect(clientKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(clientKey('64:ff9b::192.0.2.1')).toBe('64:ff9b:0:0::/64');
  });
});

import { describe, expect, it } from 'vitest';
import { redactForStore } from './idempotency.js';

const whsec = 'whsec_' + 'A'.repeat(32);
const sk = 'sk_live_' + 'b'.repeat(32);

describe('redactForStore: what the idempotency store may keep', () => {
  it('replaces a declared secret field by null beside <field>_shown_once, in place', () => {
    const body = JSON.stringify({ id: 'we_1', url: 'https://x.example/h', secret: whsec, created_at: 't' });
    expect(redactForStore(body, { secretFields: ['secret'] })).toBe(JSON.stringify({ id: 'we_1', url: 'https://x.example/h', secret: null, secret_shown_once: true, created_at: 't' }));
  });

  it('catches Paygate secret shapes anywhere, even in a route that declared nothing', () => {
    const body = JSON.stringify({ a: { key: sk, list: [whsec, 'plain'] }, b: 1 });
    const stored = redactForStore(body);
    expect(stored).not.toMatch(/whsec_|sk_live_/);
    expect(JSON.parse(stored)).toEqual({ a: { key: null, key_shown_once: true, list: [null, 'plain'] }, b: 1 });
    expect(redactForStore(JSON.stringify(whsec))).toBe('null');
    expect(JSON.parse(redactForStore(JSON.stringify({ client_secret: 'pi_3Mt1abcDEF_secret_YrKJUKribcBjcG8H' })))).toEqual({ client_secret: null, client_secret_shown_once: true });
    expect(redactForStore(`not json ${whsec}`)).toBe('null');
  });

  it('keeps every other answer byte for byte', () => {
    for (const body of ['{"id":"pay_1","metadata":{"note":"sk_test_short"},"secret":null}', '{"error":{"code":"X"}}', '[1,2]', 'plain text']) {
      expect(redactForStore(body, { secretFields: ['secret'] })).toBe(body);
    }
  });
});

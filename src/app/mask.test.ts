/**
 * Masking by rule: allow-listed paths survive, everything else — unknown fields included —
 * is masked, and even an allow-listed value is masked when it looks like an e-mail, a card
 * number or a secret. Also checks every connector's declaration for contradictions.
 */
import { describe, expect, it } from 'vitest';
import { connectorFor, PROVIDERS } from './connectors.js';
import { looksSensitive, MASK, maskNotification } from './mask.js';

const form = { format: 'form' as const, keep: ['out_trade_no', 'subject', 'total_amount'], identifiers: [{ path: 'buyer_id', kind: 'provider_buyer_id' as const }] };
const json = {
  format: 'json' as const,
  keep: ['id', 'resource.id', 'resource.units[].amount.value', 'resource.count'],
  identifiers: [{ path: 'resource.payer.email', kind: 'email' as const }, { path: 'resource.units[].payer_id', kind: 'provider_buyer_id' as const }],
};

describe('looksSensitive', () => {
  it.each([
    'buyer@example.com', 'contact: Zhang.San+shop@mail.example.cn today', '4111 1111 1111 1111', '6205-5000-0000-0000-004', '5555555555554444',
    'sk_test_51Habc', 'sk_live_x', 'rk_live_abc', 'whsec_abc123', 'pi_3Nxyz_secret_9kQ', '-----BEGIN CERTIFICATE-----', 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig',
  ])('%s is sensitive', (v) => expect(looksSensitive(v)).toBe(true));

  it.each(['2026112522001446880500000001', '88.88', '2026-11-25 20:00:01', 'TRADE_SUCCESS', 'att_01jd0000000000000000000000', 'pi_3NabcDEF', '4111111111111112', 'a@b', 'CNY'])(
    '%s is not', (v) => expect(looksSensitive(v)).toBe(false));

  it('stays linear on long values (a quadratic scan would take minutes)', () => {
    const start = Date.now();
    for (const v of ['z'.repeat(200_000), 'a@'.repeat(100_000), '1'.repeat(200_000), `eyJ${'a'.repeat(200_000)}`]) looksSensitive(v);
    expect(Date.now() - start).toBeLessThan(5_000);
  });
});

describe('maskNotification', () => {
  it('form: keeps allow-listed fields byte for byte, masks the rest and unknown fields, collects identifiers', () => {
    const raw = 'out_trade_no=att_1&buyer_id=2088102177846880&subject=a%2Bb%3Dc%26d+100%25&total_amount=88.88&new_field=surprise&sign=AbC%2B%3D&flag';
    const m = maskNotification(raw, form);
    expect(m.text).toBe(`out_trade_no=att_1&buyer_id=${MASK}&subject=a%2Bb%3Dc%26d+100%25&total_amount=88.88&new_field=${MASK}&sign=${MASK}&${MASK}`);
    expect(m.identifiers).toEqual([{ kind: 'provider_buyer_id', value: '2088102177846880' }]);
  });

  it('form: a kept field carrying an e-mail or card number is masked anyway', () => {
    const m = maskNotification('subject=for+li.si%40example.com&out_trade_no=4111111111111111&total_amount=1', form);
    expect(m.text).toBe(`subject=${MASK}&out_trade_no=${MASK}&total_amount=1`);
  });

  it('json: keeps allow-listed paths (arrays as []), masks every other leaf, numbers too, and e-mail-like keys', () => {
    const raw = JSON.stringify({
      id: 'EV-1', extra: 42, resource: { id: 'R1', count: 3, units: [{ amount: { value: '1.00', currency: 'USD' }, payer_id: 'PAYER1' }], payer: { email: 'x@y.example', name: { given: 'Ann' } }, flags: [true, null], 'ann@y.example': 1 },
    });
    const m = maskNotification(raw, json);
    expect(JSON.parse(m.text)).toEqual({
      id: 'EV-1', extra: MASK, resource: { id: 'R1', count: 3, units: [{ amount: { value: '1.00', currency: MASK }, payer_id: MASK }], payer: { email: MASK, name: { given: MASK } }, flags: [MASK, null], [MASK]: MASK },
    });
    expect(m.identifiers).toEqual([{ kind: 'provider_buyer_id', value: 'PAYER1' }, { kind: 'email', value: 'x@y.example' }]);
  });

  it('json: an unparseable body is masked whole; an opened document is used instead of the raw text', () => {
    expect(maskNotification('{"id": "EV-1", "payer": ', json).text).toBe(`${MASK} (not JSON, 24 characters)`);
    const opened = maskNotification('{"id":"EV-1","resource":{"ciphertext":"c2VjcmV0"}}', json, { id: 'EV-1', resource: { id: 'R9', ciphertext: 'c2VjcmV0', payer: { email: 'o@p.example' } } });
    expect(JSON.parse(opened.text)).toEqual({ id: 'EV-1', resource: { id: 'R9', ciphertext: MASK, payer: { email: MASK } } });
    expect(opened.identifiers).toEqual([{ kind: 'email', value: 'o@p.example' }]);
  });
});

describe('every connector declares its notification privacy consistently', () => {
  it.each(PROVIDERS)('%s', (provider) => {
    const p = connectorFor(provider)!.notificationPrivacy;
    const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[]`);
    for (const k of p.keep) {
      for (const s of [...p.personal, ...p.secret, ...p.identifiers.map((i) => i.path)]) expect(under(k, s), `${k} kept but declared sensitive as ${s}`).toBe(false);
    }
    expect(new Set(p.keep).size).toBe(p.keep.length);
    for (const h of p.secretHeaders) expect(h).toBe(h.toLowerCase());
    expect(p.personal.length + p.secret.length).toBeGreaterThan(0);
  });
});

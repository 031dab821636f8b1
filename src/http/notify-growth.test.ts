/**
 * Issue 11, fault 3: what an unauthenticated sender can make Paygate store or count through
 * /notify/{provider}/{account}. An unknown provider, a malformed or unknown account, or an
 * account of another provider is answered 404 with the provider's own failure answer and
 * NOTIFY.UNKNOWN_ACCOUNT, counted under a bounded label set, and stored nowhere. Forged
 * notifications for a real account are stored, but truncated and within a per-account budget.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_KINDS, sandboxMerchant, startGateway, type Gateway } from '../test-support/harness.js';
import { UNVERIFIED_MAX_CHARS, UNVERIFIED_PER_MINUTE } from '../app/notifications.js';

describe.each(DB_KINDS)('notification growth on %s', (db) => {
  let gw: Gateway;
  let m: Awaited<ReturnType<typeof sandboxMerchant>>;
  let stripeAccount = '';

  beforeAll(async () => {
    gw = await startGateway({ db });
    m = await sandboxMerchant(gw);
    stripeAccount = (await gw.rt.ctx.db.selectFrom('provider_accounts').select('id').where('merchant_id', '=', m.id).where('provider', '=', 'stripe').executeTakeFirstOrThrow()).id;
  });
  afterAll(async () => { await gw?.stop(); });

  const count = async () => Number((await gw.rt.ctx.db.selectFrom('notifications').select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow()).n);
  const post = async (p: string, body = 'x='.padEnd(16_000, 'y'), contentType = 'application/x-www-form-urlencoded') => {
    const res = await fetch(`${gw.url}${p}`, { method: 'POST', headers: { 'content-type': contentType }, body });
    return { status: res.status, text: await res.text(), type: res.headers.get('content-type') ?? '' };
  };
  const metrics = () => gw.rt.ctx.metrics.registry.metrics();

  it('stores nothing and adds no label series for unknown providers and accounts', async () => {
    const before = await count();
    const junk = crypto.randomBytes(8).toString('hex');
    const cases: Array<[string, number, string]> = [
      // [path, expected status, the provider's own failure body]
      [`/notify/p${junk}/a${junk}`, 404, 'fail'],
      [`/notify/alipay/a${junk}`, 404, 'fail'],
      [`/notify/alipay/pa_${'0'.repeat(26)}`, 404, 'fail'],
      [`/notify/alipay/${stripeAccount}`, 404, 'fail'],
      [`/notify/unionpay/${'x'.repeat(90)}`, 404, 'fail'],
      [`/notify/stripe/pa_${'1'.repeat(26)}`, 404, '{"received":false}'],
      [`/notify/paypal/${encodeURIComponent('pa_../../x')}`, 404, '{"error":"rejected"}'],
    ];
    for (const [p, status, body] of cases) {
      const r = await post(p);
      expect(r.status, p).toBe(status);
      expect(r.text, p).toBe(body);
    }
    // Hundreds more with fresh segments: still nothing stored, still the same few series.
    for (let i = 0; i < 200; i++) expect((await post(`/notify/x${junk}${i}/pa_${i}`, 'a=b')).status).toBe(404);
    expect(await count()).toBe(before);
    const text = await metrics();
    expect(text).not.toContain(junk);
    const series = text.split('\n').filter((l) => l.startsWith('paygate_notifications_total{'));
    for (const l of series) expect(l).toMatch(/^paygate_notifications_total\{provider="(alipay|wechatpay|unionpay|paypal|stripe|unknown)",verdict="(accepted|duplicate|rejected|ignored)"\} \d+$/);
    expect(text).toMatch(/paygate_notifications_total\{provider="unknown",verdict="rejected"\} 20[1-9]/);
    expect(text).toMatch(/paygate_notifications_unstored_total\{provider="alipay",reason="unknown_account"\} 3/);
  });

  it('stores forged notifications for a real account truncated and within a per-account budget', async () => {
    const before = await count();
    const sends = UNVERIFIED_PER_MINUTE + 40;
    for (let i = 0; i < sends; i++) {
      const r = await post(`/notify/alipay/${m.accountId}`, new URLSearchParams({ notify_id: `forged-${i}`, sign: 'AAAA', app_id: '2021', subject: 'z'.repeat(15_000) }).toString());
      expect(r.status).toBe(400);
      expect(r.text).toBe('fail');
    }
    const rows = await gw.rt.ctx.db.selectFrom('notifications').select(['raw', 'verdict', 'error_code']).where('provider_account_id', '=', m.accountId).execute();
        expect((await count()) - before).toBe(UNVERIFIED_PER_MINUTE);
    for (const r of rows) {
      expect(r.verdict).toBe('rejected');
      expect(r.error_code).toBe('NOTIFY.SIGNATURE_INVALID');
      expect(r.raw.length).toBeLessThanOrEqual(UNVERIFIED_MAX_CHARS);
    }
    expect(await metrics()).toMatch(new RegExp(`paygate_notifications_unstored_total\\{provider="alipay",reason="unverified_budget"\\} ${sends - UNVERIFIED_PER_MINUTE}`));
    // Every one of them was still counted as rejected.
    expect(await metrics()).toMatch(new RegExp(`paygate_notifications_total\\{provider="alipay",verdict="rejected"\\} ${sends + 3}`));
  });
});

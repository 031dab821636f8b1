/**
 * Retention on SQLite and PostgreSQL: raw notification bodies older than
 * PAYGATE_NOTIFICATION_RETENTION_DAYS are blanked (the row, its ids and verdict stay), in
 * batches, leaving newer ones; Idempotency-Key rows go after
 * PAYGATE_IDEMPOTENCY_RETENTION_HOURS. The gateway's clock is moved, not the rows' times.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../domain/ids.js';
import { DB_KINDS, sandboxMerchant, startGateway, type Gateway } from '../test-support/harness.js';
import type { AppContext } from './context.js';
import { purgeIdempotency, purgeNotifications, purgeNotificationsJob } from './retention.js';

const DAY = 86_400_000;

describe.each(DB_KINDS)('retention on %s', (db) => {
  let gw: Gateway;
  let m: Awaited<ReturnType<typeof sandboxMerchant>>;
  const at = (now: number): AppContext => ({ ...gw.rt.ctx, now: () => now });

  beforeAll(async () => {
    gw = await startGateway({ db, env: { PAYGATE_NOTIFICATION_RETENTION_DAYS: '30', PAYGATE_IDEMPOTENCY_RETENTION_HOURS: '2', PAYGATE_WORKER: 'false' } });
    m = await sandboxMerchant(gw);
  });
  afterAll(async () => { await gw?.stop(); });

  it('blanks raw bodies past retention in batches, keeps the rows and everything newer', async () => {
    const t0 = Date.now();
    const rows = Array.from({ length: 2300 }, (_, i) => ({
      id: newId('ntf', t0 + i), provider: 'alipay', provider_account_id: m.accountId, notification_id: `n-${i}`, payment_id: null,
      verdict: i % 2 ? 'accepted' : 'rejected', error_code: null, raw: `notify_id=n-${i}&trade_status=TRADE_SUCCESS`, received_at: i < 2100 ? t0 - 31 * DAY - i : t0 - 29 * DAY,
    }));
    for (let i = 0; i < rows.length; i += 250) await gw.rt.ctx.db.insertInto('notifications').values(rows.slice(i, i + 250)).execute();
    await gw.rt.ctx.db.insertInto('buyer_identifiers').values([
      { hash: 'h-orphan', kind: 'email', source_id: rows[0]!.id, payment_id: null, merchant_id: m.id, created_at: t0 },
      { hash: 'h-paid', kind: 'email', source_id: rows[1]!.id, payment_id: 'pay_kept', merchant_id: m.id, created_at: t0 },
    ]).execute();

    const r = await purgeNotifications(at(t0));
    expect(r).toEqual({ purged: 2100, more: false });
    const after = await gw.rt.ctx.db.selectFrom('notifications').select(['id', 'raw', 'purged_at', 'verdict', 'notification_id']).where('provider_account_id', '=', m.accountId).execute();
    const byId = new Map(after.map((a) => [a.id, a]));
    for (const [i, row] of rows.entries()) {
      const a = byId.get(row.id)!;
      expect(a.verdict).toBe(row.verdict);
      expect(a.notification_id).toBe(row.notification_id);
      if (i < 2100) expect(a).toMatchObject({ raw: '', purged_at: t0 });
      else expect(a).toMatchObject({ raw: row.raw, purged_at: null });
    }
    // An identifier that pointed only at a purged body goes; one that leads to a payment stays (erasure needs it).
    expect((await gw.rt.ctx.db.selectFrom('buyer_identifiers').select('hash').where('hash', 'in', ['h-orphan', 'h-paid']).execute()).map((x) => x.hash)).toEqual(['h-paid']);
    expect(await purgeNotifications(at(t0))).toEqual({ purged: 0, more: false });
    // Two days on, the rest is past retention too; the job runs again in an hour.
    const job = await purgeNotificationsJob(at(t0 + 2 * DAY));
    expect(job).toEqual({ done: false, runAt: t0 + 2 * DAY + 3600_000 });
    expect(Number((await gw.rt.ctx.db.selectFrom('notifications').select((eb) => eb.fn.countAll<number | string>().as('n')).where('provider_account_id', '=', m.accountId).where('raw', '<>', '').executeTakeFirstOrThrow()).n)).toBe(0);
  });

  it('deletes Idempotency-Key rows and their stored answers after the configured hours', async () => {
    const create = (n: number) => gw.api(m.key, 'POST', '/v1/payments', { amount: 100 + n, currency: 'CNY', method: 'alipay_qr', merchant_order_id: `RET-${db}-${n}` }, { 'idempotency-key': `ret-${db}-${n}` });
    expect((await create(1)).status).toBe(201);
    expect((await create(2)).status).toBe(201);
    const keys = () => gw.rt.ctx.db.selectFrom('idempotency_keys').select(['idem_key', 'response_body']).where('merchant_id', '=', m.id).execute();
    expect((await keys()).filter((k) => k.response_body !== null)).toHaveLength(2);
    const now = Date.now();
    expect(await purgeIdempotency(at(now + 3600_000))).toBe(0);
    expect(await keys()).toHaveLength(2);
    expect(await purgeIdempotency(at(now + 2 * 3600_000 + 60_000))).toBe(2);
    expect(await keys()).toHaveLength(0);
  });
});

/**
 * Two gateway nodes on one PostgreSQL: a buyer's SSE stream on node B hears a payment that
 * node A settled (PostgreSQL LISTEN/NOTIFY status bus). Node B runs no job worker, so the
 * status can only reach it through the bus.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxMerchant, startGateway, waitFor, type Gateway } from '../test-support/harness.js';
import { PgStatusBus } from '../infra/events/pg-bus.js';

describe('cashier status across nodes (PostgreSQL)', () => {
  let a: Gateway;
  let b: Gateway;
  beforeAll(async () => {
    a = await startGateway({ db: 'postgres' });
    b = await startGateway({ db: 'postgres', databaseUrl: a.env.DATABASE_URL!, env: { PAYGATE_WORKER: 'false', PAYGATE_MASTER_KEY: a.env.PAYGATE_MASTER_KEY! } });
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
  });

  it('pushes a status settled on node A to an SSE subscriber on node B', async () => {
    const busB = b.rt.ctx.statusBus;
    expect(busB).toBeInstanceOf(PgStatusBus);
    await (busB as PgStatusBus).ready;
    const m = await sandboxMerchant(a);
    const p = (await a.api<{ id: string; next_action: { qr_code: string } }>(m.key, 'POST', '/v1/payments', { amount: 4200, currency: 'CNY', method: 'alipay_qr', merchant_order_id: 'MULTI-1' })).body;

    const controller = new AbortController();
    const res = await fetch(`${b.url}/pay/${p.id}/events`, { signal: controller.signal, headers: { accept: 'text/event-stream' } });
    expect(res.status).toBe(200);
    const statuses: string[] = [];
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buf = '';
    const pump = (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          buf += decoder.decode(value, { stream: true });
          let i: number;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const frame = buf.slice(0, i);
            buf = buf.slice(i + 2);
            const data = frame.split('\n').find((l) => l.startsWith('data: '));
            if (data) statuses.push((JSON.parse(data.slice(6)) as { status: string }).status);
          }
        }
      } catch {
        // aborted at the end of the test
      }
    })();
    await waitFor(() => statuses.length > 0 || undefined, { what: 'initial status on node B' });
    expect(statuses[0]).toBe('requires_action');

    const paidAt = Date.now();
    const pay = await fetch(`${a.url}/sandbox/alipay/_payer/pay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reference: p.next_action.qr_code, outcome: 'success' }) });
    expect(pay.status).toBe(200);
    await waitFor(() => statuses.includes('succeeded') || undefined, { timeoutMs: 5000, what: 'succeeded pushed to node B' });
    expect(Date.now() - paidAt).toBeLessThan(3000);
    controller.abort();
    await pump;
  });
});

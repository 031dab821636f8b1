/**
 * The hosted cashier in real Chromium, redirect providers: the button leads to the
 * simulator's approval page; Approve returns the buyer through Paygate (/pay/{id}/return),
 * which settles the payment (PayPal: captures it, once) before handing the buyer to
 * return_url.
 */
import { describe, expect, it } from 'vitest';
import { screenshot, useCashierFixture } from '../test-support/browser.js';

type Payment = { id: string; status: string; next_action: { type: string; url: string } | null };

describe('cashier page in Chromium (redirect providers)', () => {
  const cx = useCashierFixture();
  let n = 0;

  const create = async (method: string) => {
    const r = await cx.gw.api<Payment>(cx.key, 'POST', '/v1/payments', {
      amount: 1999, currency: 'USD', method, merchant_order_id: `R-${method}-${++n}`, description: 'Hoodie', return_url: `${cx.site.url}/thanks?n=${n}`,
    });
    expect(r.status).toBe(201);
    expect(r.body.next_action?.type).toBe('redirect');
    return r.body;
  };
  const eventsOf = async (id: string) => (await cx.gw.rt.ctx.db.selectFrom('events').select('type').where('object_id', '=', id).execute()).map((e) => e.type);

  it('PayPal: button → approval page → Approve → captured once → return_url', async () => {
    const p = await create('paypal');
    const orderId = new URL(p.next_action!.url).searchParams.get('token') ?? '';
    const page = await cx.context.newPage();
    await page.goto(`${cx.gw.url}/pay/${p.id}`);
    const button = page.locator('#pay-redirect');
    await expect(button.textContent()).resolves.toBe('Pay with PayPal');
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    await screenshot(page, 'paypal-open');
    await button.click();
    await page.waitForURL((u) => u.pathname === '/sandbox/paypal/checkoutnow', { timeout: 20_000 });
    expect(new URL(page.url()).searchParams.get('token')).toBe(orderId);
    await screenshot(page, 'paypal-approval');
    await page.locator('#approve').click();
    await page.waitForURL(`${cx.site.url}/thanks?n=${n}`, { timeout: 30_000 });

    expect((await cx.gw.api<Payment>(cx.key, 'GET', `/v1/payments/${p.id}`)).body.status).toBe('succeeded');
    // The approval webhook and the poll race the return; give them time to (not) capture again.
    await new Promise((r) => setTimeout(r, 1_000));
    const order = (await (await fetch(`${cx.gw.url}/sandbox/paypal/_admin/orders/${orderId}`)).json()) as { captures: number; order: { status: string } };
    expect(order.order.status).toBe('COMPLETED');
    expect(order.captures).toBe(1);
    expect((await eventsOf(p.id)).filter((t) => t === 'payment.succeeded')).toHaveLength(1);

    // Coming back to the cashier later shows the confirmation (and moves on to return_url).
    const again = await cx.context.newPage();
    await again.goto(`${cx.gw.url}/pay/${p.id}`);
    await screenshot(again, 'paypal-succeeded');
    await again.waitForURL(`${cx.site.url}/thanks?n=${n}`, { timeout: 20_000 });
    await Promise.all([page.close(), again.close()]);
  });

  it('Stripe: button → Checkout page → Approve → succeeded once → return_url', async () => {
    const p = await create('stripe');
    const page = await cx.context.newPage();
    await page.goto(`${cx.gw.url}/pay/${p.id}`);
    await expect(page.locator('#pay-redirect').textContent()).resolves.toBe('Pay by card');
    await screenshot(page, 'stripe-open');
    await page.locator('#pay-redirect').click();
    await page.waitForURL((u) => u.pathname.startsWith('/sandbox/stripe/c/pay/'), { timeout: 20_000 });
    await screenshot(page, 'stripe-checkout');
    await page.locator('#approve').click();
    await page.waitForURL(`${cx.site.url}/thanks?n=${n}`, { timeout: 30_000 });

    expect((await cx.gw.api<Payment>(cx.key, 'GET', `/v1/payments/${p.id}`)).body.status).toBe('succeeded');
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await eventsOf(p.id)).filter((t) => t === 'payment.succeeded')).toHaveLength(1);
    await page.close();
  });

  it('PayPal: Cancel at the approval page brings the buyer back with the payment still open', async () => {
    const p = await create('paypal');
    const page = await cx.context.newPage();
    await page.goto(`${cx.gw.url}/pay/${p.id}`);
    await page.locator('#pay-redirect').click();
    await page.locator('#cancel').click();
    // No merchant-side decision yet: the buyer lands on the merchant's return_url (API.md), payment open.
    await page.waitForURL((u) => u.origin === cx.site.url || u.pathname === `/pay/${p.id}`, { timeout: 30_000 });
    expect(['requires_action', 'processing']).toContain((await cx.gw.api<Payment>(cx.key, 'GET', `/v1/payments/${p.id}`)).body.status);
    await page.close();
  });
});

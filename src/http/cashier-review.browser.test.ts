/**
 * The hosted cashier of a payment held for review, in real Chromium: the page says it is
 * being reviewed, with the countdown running; an operator's approval makes it reload once by
 * itself and show the QR code (which decodes to the payment's qr_code) — also when the
 * provider is slow, so that the reload arrives before the QR code exists; a denial shows the
 * failed state without a reload.
 */
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { withFaults } from '../test-support/flow.js';
import { sandboxMerchant } from '../test-support/harness.js';
import { decodeQr, screenshot, useCashierFixture } from '../test-support/browser.js';

interface Payment { id: string; status: string; next_action: { qr_code?: string } | null; risk: { review_id: string | null } | null }

describe('cashier page in Chromium (held for review)', () => {
  const cx = useCashierFixture();
  let shop: Awaited<ReturnType<typeof sandboxMerchant>>;
  let n = 0;

  beforeAll(async () => {
    // A merchant of its own: the fixture's has no rules, and other files' pages must not be held.
    shop = await sandboxMerchant(cx.gw);
    const put = await cx.gw.admin('PUT', `/admin/merchants/${shop.id}/risk/rules`, { rules: [{ name: 'large', when: 'amount >= 100000', action: 'review', mode: 'active' }] });
    expect(put.status).toBe(200);
  });

  const held = async () => {
    const r = await cx.gw.api<Payment>(shop.key, 'POST', '/v1/payments', { amount: 120000, currency: 'CNY', method: 'alipay_qr', merchant_order_id: `RV-${++n}`, description: 'Tea set' });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.status).toBe('requires_review');
    return { id: r.body.id, reviewId: r.body.risk?.review_id ?? '' };
  };

  /** Opens the cashier and counts the page loads of this payment's document. */
  const openReview = async (id: string, query = ''): Promise<{ page: Page; loads: () => number }> => {
    const page = await cx.context.newPage();
    let loads = 0;
    page.on('request', (req) => { if (req.resourceType() === 'document' && new URL(req.url()).pathname === `/pay/${id}`) loads++; });
    await page.goto(`${cx.gw.url}/pay/${id}${query}`);
    await page.locator('[data-state="review"]').waitFor({ state: 'visible', timeout: 20_000 });
    return { page, loads: () => loads };
  };

  it('shows the review, then the QR code after approval without a manual reload', async () => {
    const { id, reviewId } = await held();
    const { page, loads } = await openReview(id);
    await expect(page.locator('[data-state="review"] h2').textContent()).resolves.toBe('Your payment is being reviewed');
    await expect(page.locator('[data-state="review"] p').first().textContent()).resolves.toContain('update by itself');
    await expect(page.locator('[data-state="open"]').isVisible()).resolves.toBe(false);
    // The countdown runs while held: the script rewrites the server's value every second.
    const clock = page.locator('[data-state="review"] time.remaining');
    await expect.poll(() => clock.getAttribute('datetime'), { timeout: 5_000 }).toMatch(/^PT\d+S$/);
    await screenshot(page, 'state-review');

    // The approval commits requires_action (the page hears it and reloads), then asks the
    // provider for the QR code: 800 ms of provider latency puts the reload inside that gap.
    let ok = { status: 0, body: {} as { payment: Payment } };
    await withFaults(cx.gw, 'alipay', { latency_ms: 800 }, { latency_ms: 0 }, async () => {
      ok = await cx.gw.admin<{ payment: Payment }>('POST', `/admin/reviews/${reviewId}/approve`, { closed_by: 'ops@shop' });
    });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    const qr = ok.body.payment.next_action?.qr_code ?? '';
    expect(qr).not.toBe('');

    await page.locator('.qr').waitFor({ state: 'visible', timeout: 20_000 });
    await expect.poll(() => decodeQr(cx.browser, page.locator('.qr > div')), { timeout: 20_000 }).toBe(qr);
    await expect(page.locator('[data-state="review"]').isVisible()).resolves.toBe(false);
    expect(loads()).toBe(2);
    await screenshot(page, 'state-review-approved');
    // Reloaded once: nothing asks for it again.
    await page.waitForTimeout(1_500);
    expect(loads()).toBe(2);
    await page.close();
  });

  it('in Chinese; denied → the failed state, pushed to the open page', async () => {
    const { id, reviewId } = await held();
    const { page, loads } = await openReview(id, '?lang=zh-CN');
    await expect(page.locator('[data-state="review"] h2').textContent()).resolves.toBe('您的付款正在审核中');
    await page.evaluate('window.mark = 9');
    expect((await cx.gw.admin('POST', `/admin/reviews/${reviewId}/deny`, { note: 'test' })).status).toBe(200);
    await page.locator('[data-state="failed"]').waitFor({ state: 'visible', timeout: 20_000 });
    await expect(page.locator('[data-state="review"]').isVisible()).resolves.toBe(false);
    expect(await page.evaluate<number | undefined>('window.mark')).toBe(9);
    expect(loads()).toBe(1);
    await page.close();
  });
});

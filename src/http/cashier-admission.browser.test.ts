/**
 * The cashier page in real Chromium when admission refuses its event stream: the browser's
 * EventSource gets 429 (the payment already has PAYGATE_SSE_MAX_PER_PAYMENT streams), the
 * page falls back to polling /pay/{id}/status, and a payment made in the wallet still shows
 * up on the open page without a reload.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxMerchant, startGateway, type Gateway } from '../test-support/harness.js';
import { launchChromium } from '../test-support/browser.js';
import { openStream, targetOf, type RawConn } from '../test-support/attack.js';

type Payment = { id: string; next_action: { qr_code: string } };

describe('cashier page when its event stream is refused', () => {
  let gw: Gateway;
  let browser: Browser;
  let key: string;
  const held: RawConn[] = [];
  beforeAll(async () => {
    [gw, browser] = await Promise.all([startGateway({ db: 'sqlite', env: { PAYGATE_SSE_MAX_PER_PAYMENT: '1' } }), launchChromium()]);
    key = (await sandboxMerchant(gw)).key;
  });
  afterAll(async () => {
    for (const c of held) c.destroy();
    await browser?.close();
    await gw?.stop();
  });

  it('polls /status instead and shows the success it polled, without a reload', async () => {
    const p = (await gw.api<Payment>(key, 'POST', '/v1/payments', { amount: 8888, currency: 'CNY', method: 'alipay_qr', merchant_order_id: 'FALLBACK-1' })).body;
    // Someone else holds the payment's only stream slot.
    const other = await openStream(targetOf(gw.url), p.id);
    held.push(other);
    expect(other.status()).toBe(200);

    const context = await browser.newContext({ viewport: { width: 375, height: 812 }, locale: 'en-US' });
    const page: Page = await context.newPage();
    const seen: Array<{ path: string; status: number }> = [];
    page.on('response', (r) => seen.push({ path: new URL(r.url()).pathname, status: r.status() }));
    await page.goto(`${gw.url}/pay/${p.id}`);
    await page.locator('.qr').waitFor({ state: 'visible', timeout: 20_000 });
    await expect.poll(() => seen.some((s) => s.path.endsWith('/events') && s.status === 429), { timeout: 10_000 }).toBe(true);
    await expect.poll(() => seen.filter((s) => s.path.endsWith('/status') && s.status === 200).length, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);

    const pay = await fetch(`${gw.url}/sandbox/alipay/_payer/pay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reference: p.next_action.qr_code, outcome: 'success' }) });
    expect(pay.status).toBe(200);
    // One poll interval (2.5 s) plus the notification's way in.
    await page.locator('[data-state="succeeded"]').waitFor({ state: 'visible', timeout: 8_000 });
    // The page never got a stream of its own: what it shows came from polling.
    expect(seen.filter((s) => s.path.endsWith('/events') && s.status === 200)).toHaveLength(0);
    await context.close();
  });
});

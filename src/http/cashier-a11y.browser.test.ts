/**
 * The hosted cashier in real Chromium: both languages (Accept-Language and the visible
 * switch), axe-core with no serious or critical violations in every state, a 375 px wide
 * viewport without horizontal scrolling, the 404 page, and the strict CSP actually holding
 * (no console CSP errors: the page needs nothing inline).
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxMerchant, startGateway, type Gateway } from '../test-support/harness.js';
import { axe, launchChromium, screenshot, serious } from '../test-support/browser.js';

type Payment = { id: string; status: string };

describe('cashier page in Chromium (languages, accessibility, small screens)', () => {
  let gw: Gateway;
  let key = '';
  let browser: Browser;
  let n = 0;

  beforeAll(async () => {
    [gw, browser] = await Promise.all([startGateway({ db: 'sqlite' }), launchChromium()]);
    key = (await sandboxMerchant(gw)).key;
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
  });

  const create = async (method: string, extra: Record<string, unknown> = {}) => {
    const r = await gw.api<Payment>(key, 'POST', '/v1/payments', {
      amount: 123456, currency: method === 'paypal' ? 'USD' : 'CNY', method, merchant_order_id: `A-${++n}`, description: 'Jasmine tea, 500 g <gift box>',
      metadata: { internal_note: 'do-not-show' }, ...extra,
    });
    expect(r.status).toBe(201);
    return r.body;
  };

  /** Opens a page at 375 px, collecting CSP violations and script errors. */
  const open = async (url: string, locale: string): Promise<{ page: Page; problems: string[]; close(): Promise<void> }> => {
    const context = await browser.newContext({ viewport: { width: 375, height: 740 }, locale });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(url);
    return { page, problems, close: () => context.close() };
  };

  const checkPage = async (page: Page, name: string) => {
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    const violations = await axe(page);
    expect(serious(violations), JSON.stringify(violations, null, 2)).toEqual([]);
    await screenshot(page, name);
  };

  it('Accept-Language zh-CN renders Chinese; the switch goes to English and back', async () => {
    const p = await create('alipay_qr');
    const { page, problems, close } = await open(`${gw.url}/pay/${p.id}`, 'zh-CN');
    expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
    await expect(page.locator('.payto').textContent()).resolves.toBe('收款方');
    await expect(page.locator('.amount').textContent()).resolves.toContain('¥1,234.56');
    await expect(page.locator('.qr figcaption').textContent()).resolves.toBe('请使用支付宝扫码支付');
    await expect(page.locator('.desc').textContent()).resolves.toBe('Jasmine tea, 500 g <gift box>');
    const html = await page.content();
    for (const secret of ['do-not-show', 'internal_note', 'mch_', 'att_', 'pa_', `A-${n}`]) expect(html).not.toContain(secret);
    await checkPage(page, 'lang-zh-CN-open');

    await page.locator('a[hreflang="en"]').click();
    await page.waitForURL(/lang=en$/);
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    await expect(page.locator('.payto').textContent()).resolves.toBe('Pay to');
    await expect(page.locator('.amount').textContent()).resolves.toContain('CN¥1,234.56');
    await expect(page.locator('a[aria-current="true"]').textContent()).resolves.toBe('English');
    await checkPage(page, 'lang-en-open');
    await page.locator('a[hreflang="zh-CN"]').click();
    await page.waitForURL(/lang=zh-CN$/);
    expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
    expect(problems).toEqual([]);
    await close();
  });

  it('English by default, redirect button for PayPal; terminal states pass axe in both languages', async () => {
    const p = await create('paypal');
    const { page, problems, close } = await open(`${gw.url}/pay/${p.id}`, 'en-GB');
    await expect(page.locator('#pay-redirect').textContent()).resolves.toBe('Pay with PayPal');
    await expect(page.locator('.amount').textContent()).resolves.toBe('Amount: $1,234.56');
    await checkPage(page, 'paypal-en-open');

    expect((await gw.api(key, 'POST', `/v1/payments/${p.id}/cancel`)).status).toBe(200);
    await page.locator('[data-state="canceled"]').waitFor({ state: 'visible', timeout: 20_000 });
    await expect(page.locator('#live').textContent()).resolves.toBe('Payment canceled');
    await checkPage(page, 'paypal-en-canceled');
    await page.goto(`${gw.url}/pay/${p.id}?lang=zh-CN`);
    await expect(page.locator('[data-state="canceled"] h2').textContent()).resolves.toBe('支付已取消');
    await checkPage(page, 'paypal-zh-CN-canceled');
    expect(problems).toEqual([]);
    await close();
  });

  it('succeeded (no return_url) stays on a clear confirmation', async () => {
    const p = await create('unionpay_qr');
    const payment = (await gw.api<{ next_action: { qr_code: string } }>(key, 'GET', `/v1/payments/${p.id}`)).body;
    const { page, problems, close } = await open(`${gw.url}/pay/${p.id}`, 'en');
    await fetch(`${gw.url}/sandbox/unionpay/_payer/pay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reference: payment.next_action.qr_code, outcome: 'success' }) });
    await page.locator('[data-state="succeeded"]').waitFor({ state: 'visible', timeout: 20_000 });
    await expect(page.locator('#continue').isVisible()).resolves.toBe(false);
    await checkPage(page, 'state-succeeded-no-return-url');
    await page.goto(`${gw.url}/pay/${p.id}?lang=zh-CN`);
    await expect(page.locator('[data-state="succeeded"] h2').textContent()).resolves.toBe('支付成功');
    await checkPage(page, 'state-succeeded-zh-CN');
    expect(problems).toEqual([]);
    await close();
  });

  it('unknown and malformed ids get the 404 page, localized and accessible', async () => {
    for (const [id, locale] of [['pay_00000000000000000000000000', 'en'], ['not-an-id', 'zh-CN']] as const) {
      const { page, close } = await open(`${gw.url}/pay/${id}`, locale);
      const res = await page.reload();
      expect(res?.status()).toBe(404);
      await expect(page.locator('h1').textContent()).resolves.toBe(locale === 'en' ? 'Payment not found' : '未找到该支付');
      await checkPage(page, `not-found-${locale}`);
      await close();
    }
  });
});

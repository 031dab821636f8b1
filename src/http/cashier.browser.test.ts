/**
 * The hosted cashier in real Chromium, QR providers: the painted QR decodes to the
 * payment's qr_code; paying in the sandbox wallet (a second page) flips the cashier to
 * success within 3 s without a reload, then on to return_url. Also: fail in the wallet,
 * cancel by the merchant, and expiry while the page is open.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../test-support/harness.js';
import { decodeQr, screenshot, useCashierFixture } from '../test-support/browser.js';

type Payment = { id: string; status: string; next_action: { type: string; qr_code?: string; checkout_url?: string } | null };

const QR_METHODS = [
  { method: 'alipay_qr', provider: 'alipay' },
  { method: 'wechat_native', provider: 'wechatpay' },
  { method: 'unionpay_qr', provider: 'unionpay' },
] as const;

describe('cashier page in Chromium (QR providers)', () => {
  const cx = useCashierFixture();
  let n = 0;

  const create = async (method: string, extra: Record<string, unknown> = {}) => {
    const r = await cx.gw.api<Payment>(cx.key, 'POST', '/v1/payments', {
      amount: 8888, currency: 'CNY', method, merchant_order_id: `B-${method}-${++n}`, description: 'Green tea ×2', return_url: `${cx.site.url}/done?order=${n}`, ...extra,
    });
    expect(r.status).toBe(201);
    return r.body;
  };

  /** The sandbox page a browser opens for the QR content (a browser cannot open weixin://). */
  const walletUrl = (qr: string) => {
    const wx = /^weixin:\/\/wxpay\/bizpayurl\?pr=([A-Za-z0-9]+)$/.exec(qr);
    return wx ? `${cx.gw.url}/sandbox/wechatpay/pay/${wx[1]}` : qr;
  };

  const openCashier = async (p: Payment): Promise<Page> => {
    const page = await cx.context.newPage();
    await page.goto(`${cx.gw.url}/pay/${p.id}`);
    await page.locator('.qr').waitFor({ state: 'visible', timeout: 20_000 });
    return page;
  };

  for (const { method, provider } of QR_METHODS) {
    it(`${method}: QR decodes, Pay in the wallet → success within 3 s → return_url`, async () => {
      const p = await create(method);
      const qr = p.next_action?.qr_code ?? '';
      expect(qr).not.toBe('');
      expect(p.next_action?.checkout_url).toBe(`${cx.gw.url}/pay/${p.id}`);

      const page = await openCashier(p);
      await expect.poll(() => decodeQr(cx.browser, page.locator('.qr > div')), { timeout: 20_000 }).toBe(qr);
      await expect(page.locator('h1').textContent()).resolves.toMatch(/^Shop /);
      await expect(page.locator('.amount').textContent()).resolves.toContain('88.88');
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
      await screenshot(page, `${provider}-open`);
      // Marks this document: if the page reloaded, the mark would be gone.
      await page.evaluate('window.mark = 42');

      const wallet = await cx.context.newPage();
      await wallet.goto(walletUrl(qr));
      await wallet.locator('#pay').waitFor({ state: 'visible', timeout: 20_000 });
      await screenshot(wallet, `${provider}-wallet`);
      const clicked = Date.now();
      await wallet.locator('#pay').click();

      await page.locator('[data-state="succeeded"]').waitFor({ state: 'visible', timeout: 3_000 });
      const took = Date.now() - clicked;
      expect(took).toBeLessThan(3_000);
      console.info(`${method}: success shown ${took} ms after Pay was clicked`);
      expect(await page.evaluate<number | undefined>('window.mark')).toBe(42);
      await screenshot(page, `${provider}-succeeded`);
      await screenshot(wallet, `${provider}-wallet-paid`);

      await page.waitForURL(`${cx.site.url}/done?order=${n}`, { timeout: 20_000 });
      expect(cx.site.hits).toContain(`/done?order=${n}`);
      const after = await cx.gw.api<Payment>(cx.key, 'GET', `/v1/payments/${p.id}`);
      expect(after.body.status).toBe('succeeded');
      await Promise.all([page.close(), wallet.close()]);
    });
  }

  // A UnionPay consume that fails is final for its order. (A WeChat Pay PAYERROR is not since
  // issue 13: the order stays payable, the payment processing — see declines.test.ts.)
  it('Fail in the wallet: the cashier explains the failure and stays', async () => {
    const p = await create('unionpay_qr');
    const page = await openCashier(p);
    const wallet = await cx.context.newPage();
    await wallet.goto(walletUrl(p.next_action?.qr_code ?? ''));
    await wallet.locator('#fail').click();
    await page.locator('[data-state="failed"]').waitFor({ state: 'visible', timeout: 20_000 });
    await expect(page.locator('[data-state="failed"] h2').textContent()).resolves.toBe('Payment failed');
    await screenshot(page, 'state-failed');
    expect(page.url()).toBe(`${cx.gw.url}/pay/${p.id}`);
    await Promise.all([page.close(), wallet.close()]);
  });

  it('WeChat Pay decline in the wallet: the open page says the try was declined, without a reload, and a second try pays', async () => {
    const p = await create('wechat_native');
    const page = await openCashier(p);
    await page.evaluate('window.mark = 7');
    await expect(page.locator('#declined').isVisible()).resolves.toBe(false);
    const wallet = await cx.context.newPage();
    await wallet.goto(walletUrl(p.next_action?.qr_code ?? ''));
    await wallet.locator('#fail').click();
    await page.locator('#declined').waitFor({ state: 'visible', timeout: 20_000 });
    await expect(page.locator('#declined').textContent()).resolves.toContain('declined');
    await expect(page.locator('.qr').isVisible()).resolves.toBe(true);
    await expect(page.locator('#live').textContent()).resolves.toContain('declined');
    expect(await page.evaluate<number | undefined>('window.mark')).toBe(7);
    await screenshot(page, 'state-declined-open');
    const api = await cx.gw.api<Payment & { failure_code: string | null }>(cx.key, 'GET', `/v1/payments/${p.id}`);
    expect(['requires_action', 'processing']).toContain(api.body.status);
    expect(api.body.failure_code).not.toBeNull();
    // A reload renders the same notice from the server.
    const fresh = await cx.context.newPage();
    await fresh.goto(`${cx.gw.url}/pay/${p.id}`);
    await expect(fresh.locator('#declined').isVisible()).resolves.toBe(true);
    const again = await cx.context.newPage();
    await again.goto(walletUrl(p.next_action?.qr_code ?? ''));
    await again.locator('#pay').click();
    await page.locator('[data-state="succeeded"]').waitFor({ state: 'visible', timeout: 20_000 });
    await expect(page.locator('#declined').isVisible()).resolves.toBe(false);
    await Promise.all([page.close(), wallet.close(), fresh.close(), again.close()]);
  });

  it('canceled by the merchant: pushed to the open page', async () => {
    const p = await create('alipay_qr');
    const page = await openCashier(p);
    expect((await cx.gw.api(cx.key, 'POST', `/v1/payments/${p.id}/cancel`)).status).toBe(200);
    await page.locator('[data-state="canceled"]').waitFor({ state: 'visible', timeout: 20_000 });
    await screenshot(page, 'state-canceled');
    await page.close();
  });

  it('expiry: with expires_in_seconds 5 the open page shows the expired state', async () => {
    const p = await create('alipay_qr', { expires_in_seconds: 5 });
    const page = await openCashier(p);
    await expect(page.locator('#remaining').textContent()).resolves.toMatch(/^0:0[0-5]$/);
    await page.locator('[data-state="expired"]').waitFor({ state: 'visible', timeout: 20_000 });
    await expect(page.locator('[data-state="expired"] h2').textContent()).resolves.toBe('Payment expired');
    await expect(page.locator('.qr').isVisible()).resolves.toBe(false);
    // The server agrees (the expiry job closed it at the provider) and the page heard it.
    await waitFor(async () => (await cx.gw.api<Payment>(cx.key, 'GET', `/v1/payments/${p.id}`)).body.status === 'expired', { timeoutMs: 20_000, what: 'server-side expiry' });
    await screenshot(page, 'state-expired');
    await page.close();
  });
});

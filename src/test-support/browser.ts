/**
 * Browser-test support: Debian's Chromium driven by playwright-core (never a downloaded
 * browser), QR decoding of what the page actually painted, axe-core, screenshots under
 * artifacts/screenshots/, and a stand-in merchant site for return_url.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
// jsqr is CommonJS with `export default` typings: the function is at .default at runtime too.
import jsqr from 'jsqr';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { sandboxMerchant, startGateway, type Gateway } from './harness.js';

export const CHROMIUM = process.env.PAYGATE_CHROMIUM ?? '/usr/bin/chromium';
const ROOT = path.resolve(import.meta.dirname, '../..');
export const SCREENSHOTS = path.join(ROOT, 'artifacts', 'screenshots');

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/**
 * Decodes the QR code as painted: a screenshot of the element, turned into pixels by a
 * canvas in a blank page (the cashier's CSP rightly forbids data: images), read by jsQR.
 */
export async function decodeQr(browser: Browser, qr: Locator): Promise<string | null> {
  const png = await qr.screenshot();
  const scratch = await browser.newPage();
  try {
    // A string, not a function: this file is compiled without the DOM library.
    const img = await scratch.evaluate<{ width: number; height: number; pixels: number[] }>(`(async () => {
      const el = new Image();
      el.src = 'data:image/png;base64,${png.toString('base64')}';
      await el.decode();
      const canvas = document.createElement('canvas');
      canvas.width = el.naturalWidth;
      canvas.height = el.naturalHeight;
      const c = canvas.getContext('2d');
      c.drawImage(el, 0, 0);
      const data = c.getImageData(0, 0, canvas.width, canvas.height);
      return { width: data.width, height: data.height, pixels: Array.from(data.data) };
    })()`);
    return jsqr.default(Uint8ClampedArray.from(img.pixels), img.width, img.height)?.data ?? null;
  } finally {
    await scratch.close();
  }
}

export interface AxeViolation { id: string; impact: string | null; help: string; nodes: number }

/**
 * Runs axe-core in the page. Injected through evaluate rather than a <script> tag: the
 * cashier's CSP (script-src 'self') would refuse an inline script, and weakening the page's
 * policy for the test would test a different page.
 */
export async function axe(page: Page): Promise<AxeViolation[]> {
  const source = fs.readFileSync(path.join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');
  await page.evaluate(source);
  return page.evaluate<AxeViolation[]>(`axe.run(document, { resultTypes: ['violations'] }).then((r) =>
    r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length })))`);
}

export const serious = (vs: AxeViolation[]) => vs.filter((v) => v.impact === 'serious' || v.impact === 'critical');

/** The merchant's site: return_url lands here. */
export async function startMerchantSite(): Promise<{ url: string; hits: string[]; close(): Promise<void> }> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><html lang="en"><title>Merchant</title><h1>Thanks for your order</h1></html>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

export interface CashierFixture {
  gw: Gateway;
  /** The sandbox merchant's secret key. */
  key: string;
  browser: Browser;
  /** A phone-sized (375 px), en-US browser context. */
  context: BrowserContext;
  site: Awaited<ReturnType<typeof startMerchantSite>>;
}

/**
 * The cashier browser tests' shared setup, registered as the describe block's
 * beforeAll/afterAll: a gateway on SQLite with a sandbox merchant, Chromium with a
 * phone-sized context, and the merchant site that return_url points at. Fields are filled
 * in by beforeAll, so read them inside tests, not at collection time.
 */
export function useCashierFixture(): CashierFixture {
  const f = {} as CashierFixture;
  beforeAll(async () => {
    [f.gw, f.browser, f.site] = await Promise.all([startGateway({ db: 'sqlite' }), launchChromium(), startMerchantSite()]);
    f.key = (await sandboxMerchant(f.gw)).key;
    f.context = await f.browser.newContext({ viewport: { width: 375, height: 812 }, locale: 'en-US' });
  });
  afterAll(async () => {
    await f.context?.close();
    await f.browser?.close();
    await f.site?.close();
    await f.gw?.stop();
  });
  return f;
}

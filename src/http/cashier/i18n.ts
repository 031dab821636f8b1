/**
 * The cashier's two languages. zh-CN is first-class (most buyers of the QR wallets read
 * Chinese); everything else gets English. Explicit ?lang= wins over Accept-Language so the
 * visible switch works without cookies.
 */

export const LANGS = ['en', 'zh-CN'] as const;
export type Lang = (typeof LANGS)[number];

export interface Messages {
  title: (merchant: string) => string;
  payTo: string;
  amount: string;
  scanWith: Record<string, string>;
  qrLabel: (app: string) => string;
  openWallet: string;
  payWith: Record<string, string>;
  redirectHint: string;
  expiresIn: string;
  processing: string;
  /** The last try was declined but the payment is still open. */
  declined: string;
  waiting: string;
  states: Record<'succeeded' | 'failed' | 'canceled' | 'expired' | 'conflict', { title: string; body: string }>;
  returning: string;
  continue: string;
  notFound: { title: string; body: string };
  language: string;
  noscript: string;
  footer: string;
}

const en: Messages = {
  title: (m) => `Pay ${m}`,
  payTo: 'Pay to',
  amount: 'Amount',
  scanWith: { alipay: 'Scan with Alipay', wechatpay: 'Scan with WeChat', unionpay: 'Scan with UnionPay or your banking app' },
  qrLabel: (app) => `QR code. ${app} to pay.`,
  openWallet: 'On this phone? Open the payment app',
  payWith: { paypal: 'Pay with PayPal', stripe: 'Pay by card' },
  redirectHint: 'You will be taken to a secure payment page and brought back here.',
  expiresIn: 'Time left to pay',
  processing: 'Scanned. Confirm the payment in your app.',
  declined: 'That try was declined and no money was taken. You can try again here, with another card or payment method.',
  waiting: 'Waiting for payment',
  states: {
    succeeded: { title: 'Payment successful', body: 'Thank you. Your payment has been received.' },
    failed: { title: 'Payment failed', body: 'The payment did not go through and no money was taken. Go back to the merchant to try again.' },
    canceled: { title: 'Payment canceled', body: 'The merchant canceled this payment. No money was taken.' },
    expired: { title: 'Payment expired', body: 'The time to pay has run out. Go back to the merchant to start again.' },
    conflict: { title: 'Payment received after closing', body: 'Your money arrived after this order had closed. The merchant has been told and will refund it; you do not need to do anything.' },
  },
  returning: 'Taking you back to the merchant…',
  continue: 'Back to the merchant',
  notFound: { title: 'Payment not found', body: 'This payment link is invalid or no longer exists. Check the link the merchant gave you.' },
  language: 'Language',
  noscript: 'Reload this page to see the latest status.',
  footer: 'Secure checkout by Paygate',
};

const zhCN: Messages = {
  title: (m) => `向${m}付款`,
  payTo: '收款方',
  amount: '金额',
  scanWith: { alipay: '请使用支付宝扫码支付', wechatpay: '请使用微信扫一扫支付', unionpay: '请使用云闪付或银行 App 扫码支付' },
  qrLabel: (app) => `二维码。${app}`,
  openWallet: '在本机支付？打开支付 App',
  payWith: { paypal: '使用 PayPal 支付', stripe: '银行卡支付' },
  redirectHint: '您将前往安全支付页面，完成后自动返回。',
  expiresIn: '剩余支付时间',
  processing: '已扫码，请在 App 中确认支付。',
  declined: '本次支付被拒绝，未扣款。您可以在此重试，或换一张卡、换一种支付方式。',
  waiting: '等待支付',
  states: {
    succeeded: { title: '支付成功', body: '感谢您的付款，商户已收到。' },
    failed: { title: '支付失败', body: '本次支付未成功，未扣款。请返回商户重新下单。' },
    canceled: { title: '支付已取消', body: '商户已取消本次支付，未扣款。' },
    expired: { title: '支付已超时', body: '支付时间已过，请返回商户重新下单。' },
    conflict: { title: '订单关闭后收到付款', body: '您的付款在订单关闭后到账。商户已收到通知并将为您退款，您无需任何操作。' },
  },
  returning: '正在返回商户…',
  continue: '返回商户',
  notFound: { title: '未找到该支付', body: '支付链接无效或已不存在，请核对商户提供的链接。' },
  language: '语言',
  noscript: '请刷新页面查看最新状态。',
  footer: 'Paygate 安全收银台',
};

export const MESSAGES: Readonly<Record<Lang, Messages>> = { en, 'zh-CN': zhCN };

/** ?lang= first, then the highest-weighted Accept-Language tag we speak; English otherwise. */
export function pickLang(query: string | undefined, acceptLanguage: string | undefined): Lang {
  const explicit = LANGS.find((l) => l.toLowerCase() === query?.toLowerCase());
  if (explicit) return explicit;
  const ranked = (acceptLanguage ?? '')
    .split(',')
    .map((part, i) => {
      const [tag = '', ...params] = part.trim().toLowerCase().split(';');
      const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return { tag: tag.trim(), q: q === undefined ? 1 : Number(q), i };
    })
    .filter((t) => t.tag !== '' && t.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const { tag } of ranked) {
    if (tag === 'zh' || tag.startsWith('zh-')) return 'zh-CN';
    if (tag === 'en' || tag.startsWith('en-')) return 'en';
  }
  return 'en';
}

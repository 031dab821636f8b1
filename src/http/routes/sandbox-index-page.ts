/**
 * The /sandbox index (HTML, zh-CN/en like the cashier): every simulator with its fault
 * switch, the wallet pages of the sandbox payments still waiting for a buyer, the webhook
 * inbox, and how to pay from the CLI. Pure: the route gathers the data, this renders it.
 * Every interpolated value goes through esc().
 */
import { esc } from '../cashier/format.js';
import type { Lang } from '../cashier/i18n.js';
import { documentStart, languageLinks } from '../cashier/html.js';
import type { OpenSandboxPayment } from '../../app/sandbox-payments.js';

export interface SandboxIndexInput {
  lang: Lang;
  /** Mounted simulators, by provider, each at <base>/sandbox/<provider>. */
  providers: readonly string[];
  /** Whether the webhook inbox is mounted (gateway only, not `paygate sandbox --port`). */
  inbox: boolean;
  /** Open sandbox payments (gateway only); undefined on a standalone simulator server. */
  payments?: readonly OpenSandboxPayment[];
}

const NAMES: Record<string, Record<Lang, string>> = {
  alipay: { en: 'Alipay', 'zh-CN': '支付宝' },
  wechatpay: { en: 'WeChat Pay', 'zh-CN': '微信支付' },
  unionpay: { en: 'UnionPay', 'zh-CN': '银联' },
  paypal: { en: 'PayPal', 'zh-CN': 'PayPal' },
  stripe: { en: 'Stripe', 'zh-CN': 'Stripe' },
};

const T = {
  en: {
    title: 'Paygate sandbox',
    intro: 'Offline simulators of the providers. Nothing here moves real money; anyone who can reach this port can use these pages.',
    simulators: 'Simulators',
    base: 'API base URL',
    faults: 'fault switch (GET shows it, POST {"latency_ms":…, "error_rate":…} changes it)',
    walletHow: 'Wallet pages: the QR code or checkout link of each waiting payment below (the cashier links to them too).',
    waiting: 'Payments waiting for a buyer',
    none: 'No sandbox payment is waiting for a buyer.',
    cashier: 'cashier',
    wallet: 'wallet page',
    inbox: 'Webhook inbox (what the demo merchant’s endpoint received)',
    cli: 'Pay from the command line:',
    docs: 'How the sandbox works: docs/sandbox.md',
    language: 'Language',
  },
  'zh-CN': {
    title: 'Paygate 沙箱',
    intro: '各支付渠道的离线模拟器，不涉及真实资金；能访问此端口的任何人都可以使用这些页面。',
    simulators: '模拟器',
    base: 'API 地址',
    faults: '故障开关（GET 查看，POST {"latency_ms":…, "error_rate":…} 修改）',
    walletHow: '钱包页面：下方每笔待支付订单的二维码或收银台链接（收银台页面也有链接）。',
    waiting: '等待买家支付的订单',
    none: '暂无等待支付的沙箱订单。',
    cashier: '收银台',
    wallet: '钱包页面',
    inbox: 'Webhook 收件箱（演示商户的端点收到的通知）',
    cli: '在命令行中支付：',
    docs: '沙箱说明：docs/sandbox.md',
    language: '语言',
  },
} satisfies Record<Lang, Record<string, string>>;

function money(amount: number, currency: string): string {
  // Display only; every currency the simulators take has 2 decimals except JPY/KRW-like ones, which they do not take.
  return `${(amount / 100).toFixed(2)} ${currency}`;
}

export function renderSandboxIndex(i: SandboxIndexInput): string {
  const t = T[i.lang];
  const name = (p: string) => NAMES[p]?.[i.lang] ?? p;
  const sims = i.providers.map((p) => `<li id="${esc(p)}"><h3>${esc(name(p))}</h3><ul>
<li>${esc(t.base)}: <code>/sandbox/${esc(p)}</code></li>
<li><a href="/sandbox/${esc(p)}/_faults">/sandbox/${esc(p)}/_faults</a> — ${esc(t.faults)}</li>
</ul></li>`).join('\n');
  const payments = i.payments === undefined ? '' : `<section><h2>${esc(t.waiting)}</h2>
${i.payments.length === 0 ? `<p>${esc(t.none)}</p>` : `<ul>${i.payments.map((p) => `<li><code>${esc(p.id)}</code> ${esc(name(p.provider))} ${esc(money(p.amount, p.currency))}: <a href="/pay/${esc(p.id)}">${esc(t.cashier)}</a>${p.walletUrl ? ` · <a href="${esc(p.walletUrl)}" data-provider="${esc(p.provider)}">${esc(t.wallet)}</a>` : ''}</li>`).join('\n')}</ul>`}
<p>${esc(t.cli)} <code>npx paygate sandbox pay &lt;payment_id&gt; [--outcome success|fail]</code></p>
</section>`;
  return `${documentStart(i.lang, t.title)}
</head>
<body>
<nav aria-label="${esc(t.language)}"><ul>${languageLinks(i.lang)}</ul></nav>
<main>
<h1>${esc(t.title)}</h1>
<p>${esc(t.intro)}</p>
<section><h2>${esc(t.simulators)}</h2>
<p>${esc(t.walletHow)}</p>
<ul>${sims}</ul>
</section>
${payments}
${i.inbox ? `<section><h2>${esc(t.inbox)}</h2><p><a href="/sandbox/webhooks/inbox">/sandbox/webhooks/inbox</a></p></section>` : ''}
<p>${esc(t.docs)}</p>
</main>
</body>
</html>
`;
}

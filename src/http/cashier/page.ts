/**
 * Server-rendered cashier HTML. Every state the page can reach has its section in the
 * markup (hidden unless current), so the client script never builds localized text and
 * the page is complete without JavaScript. Interpolated values all pass through esc().
 */
import QRCode from 'qrcode';
import type { FastifyReply } from 'fastify';
import { ASSETS } from './assets.js';
import { esc, formatAmount, safeHttpUrl } from './format.js';
import { MESSAGES, type Lang, type Messages } from './i18n.js';
import { documentStart, languageLinks } from './html.js';
import type { BuyerView } from '../../app/cashier.js';
import { isPayable, isUnderReview } from './view.js';

/**
 * No inline script or style anywhere, so the policy can be strict: only our own hashed
 * assets run, the page talks only to its own origin, and it cannot be framed (clickjacking a
 * pay button). Inline SVG is markup, not an image load, so img-src stays closed.
 */
export function securityHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
    .header('x-content-type-options', 'nosniff')
    // The URL holds the payment id: wallets and merchants the buyer goes on to need not see it.
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY')
    .header('cache-control', 'no-store');
}

function layout(lang: Lang, title: string, main: string, attrs = ''): string {
  const t = MESSAGES[lang];
  return `${documentStart(lang, title)}
<link rel="icon" href="${ASSETS.icon.path}" type="image/svg+xml">
<link rel="stylesheet" href="${ASSETS.css.path}">
<script src="${ASSETS.js.path}" defer></script>
</head>
<body>
<header class="top"><span class="brand">Paygate</span><nav aria-label="${esc(t.language)}"><ul class="langs">${languageLinks(lang)}</ul></nav></header>
<main id="cashier"${attrs}>
${main}
</main>
<footer>${esc(t.footer)}</footer>
</body>
</html>
`;
}

async function qrSvg(text: string): Promise<string> {
  const svg = await QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  // The wrapper carries the accessible name; the drawing itself is decoration to a screen reader.
  return svg.trim().replace('<svg ', '<svg aria-hidden="true" focusable="false" ');
}

async function openSection(v: BuyerView, t: Messages, now: number): Promise<string> {
  let action = '';
  if (v.qrCode) {
    const scan = t.scanWith[v.provider] ?? t.scanWith.alipay ?? '';
    const walletLink = safeHttpUrl(v.qrCode);
    action = `<figure class="qr"><div role="img" aria-label="${esc(t.qrLabel(scan))}">${await qrSvg(v.qrCode)}</div><figcaption>${esc(scan)}</figcaption></figure>
${walletLink ? `<a class="wallet-link" href="${esc(walletLink)}" rel="noopener">${esc(t.openWallet)}</a>` : ''}`;
  } else if (v.redirectUrl && safeHttpUrl(v.redirectUrl)) {
    const label = t.payWith[v.provider] ?? t.payWith.stripe ?? '';
    action = `<a id="pay-redirect" class="btn btn-${esc(v.provider)}" href="${esc(safeHttpUrl(v.redirectUrl) ?? '')}">${esc(label)}</a><p class="hint">${esc(t.redirectHint)}</p>`;
  } else {
    action = `<p class="note">${esc(t.waiting)}</p>`;
  }
  return `<section data-state="open"${isPayable(v.status) ? '' : ' hidden'} class="pw-${esc(v.provider)}">
${action}
<p id="declined" class="note declined"${v.declined ? '' : ' hidden'}>${esc(t.declined)}</p>
<p id="processing" class="note"${v.status === 'processing' && !v.declined ? '' : ' hidden'}>${esc(t.processing)}</p>
<p class="timer">${esc(t.expiresIn)} <time id="remaining">${esc(clock(Math.max(0, v.expiresAt - now)))}</time></p>
<noscript><p class="hint">${esc(t.noscript)}</p></noscript>
</section>`;
}

/**
 * Held for review: nothing to pay with yet. The countdown still runs (expiry applies while
 * held); its own <time>, since the open section's is hidden. The script updates both.
 */
function reviewSection(v: BuyerView, t: Messages, now: number): string {
  return `<section data-state="review" class="outcome wait"${isUnderReview(v.status) ? '' : ' hidden'}>
<span class="icon" aria-hidden="true">…</span><h2>${esc(t.review.title)}</h2><p>${esc(t.review.body)}</p>
<p class="timer">${esc(t.expiresIn)} <time class="remaining">${esc(clock(Math.max(0, v.expiresAt - now)))}</time></p>
<noscript><p class="hint">${esc(t.noscript)}</p></noscript>
</section>`;
}

function clock(ms: number): string {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${h ? `${h}:${pad(m)}` : m}:${pad(s % 60)}`;
}

const OUTCOMES = [
  { state: 'succeeded', tone: 'ok', icon: '✓' },
  { state: 'failed', tone: 'bad', icon: '✕' },
  { state: 'canceled', tone: 'bad', icon: '✕' },
  { state: 'expired', tone: 'warn', icon: '!' },
  { state: 'conflict', tone: 'warn', icon: '!' },
] as const;

function outcomeSections(v: BuyerView, t: Messages): string {
  const returnUrl = v.status === 'succeeded' ? safeHttpUrl(v.returnUrl) : null;
  return OUTCOMES.map(({ state, tone, icon }) => {
    const extra = state === 'succeeded'
      ? `<p id="returning"${returnUrl ? '' : ' hidden'}>${esc(t.returning)}</p><a id="continue" class="btn btn-plain"${returnUrl ? ` href="${esc(returnUrl)}"` : ' hidden'}>${esc(t.continue)}</a>`
      : '';
    return `<section data-state="${state}" class="outcome ${tone}"${v.status === state ? '' : ' hidden'}>
<span class="icon" aria-hidden="true">${icon}</span><h2>${esc(t.states[state].title)}</h2><p>${esc(t.states[state].body)}</p>${extra}
</section>`;
  }).join('\n');
}

export async function renderCashier(v: BuyerView, lang: Lang, now: number): Promise<string> {
  const t = MESSAGES[lang];
  const main = `<p class="payto">${esc(t.payTo)}</p>
<h1>${esc(v.merchantName)}</h1>
${v.description ? `<p class="desc">${esc(v.description)}</p>` : ''}
<p class="amount"><span class="sr-only">${esc(t.amount)}: </span>${esc(formatAmount(v.amount, v.currency, lang))}</p>
${await openSection(v, t, now)}
${reviewSection(v, t, now)}
${outcomeSections(v, t)}
<p id="live" class="sr-only" role="status" aria-live="polite"></p>`;
  const attrs = ` data-status="${esc(v.status)}" data-expires-at="${v.expiresAt}" data-now="${now}"`;
  return layout(lang, t.title(v.merchantName), main, attrs);
}

export function renderNotFound(lang: Lang): string {
  const t = MESSAGES[lang];
  return layout(lang, t.notFound.title, `<section class="outcome bad"><span class="icon" aria-hidden="true">?</span><h1>${esc(t.notFound.title)}</h1><p>${esc(t.notFound.body)}</p></section>`);
}

/**
 * The cashier's two languages. zh-CN is first-class (most buyers of the QR wallets read
 * Chinese); everything else gets English. Explicit ?lang= wins over Accept-Language so the
 * visible switch works without cookies.
 */
import en from './locales/en.json' with { type: 'json' };
import zhCN from './locales/zh-CN.json' with { type: 'json' };

export const LANGS = ['en', 'zh-CN'] as const;
export type Lang = (typeof LANGS)[number];

/**
 * A language's table as stored in locales/<lang>.json: plain strings, with {name}
 * placeholders where the page fills something in. Translators edit the JSON; this type
 * (and i18n.test.ts, for keys it cannot see) keeps every table complete.
 */
export interface MessageTable {
  /** {merchant}: the merchant's display name. */
  title: string;
  payTo: string;
  amount: string;
  scanWith: Record<string, string>;
  /** {app}: the scanWith line of the payment's wallet. */
  qrLabel: string;
  openWallet: string;
  payWith: Record<string, string>;
  redirectHint: string;
  expiresIn: string;
  processing: string;
  /** The last try was declined but the payment is still open. */
  declined: string;
  waiting: string;
  /** Held by risk control until an operator approves it: no QR code or link yet (requires_review). */
  review: { title: string; body: string };
  states: Record<'succeeded' | 'failed' | 'canceled' | 'expired' | 'conflict', { title: string; body: string }>;
  returning: string;
  continue: string;
  notFound: { title: string; body: string };
  language: string;
  noscript: string;
  footer: string;
}

/** What the page reads: the table, with its placeholders as functions. */
export interface Messages extends Omit<MessageTable, 'title' | 'qrLabel'> {
  title: (merchant: string) => string;
  qrLabel: (app: string) => string;
}

export const TABLES: Readonly<Record<Lang, MessageTable>> = { en, 'zh-CN': zhCN };

/** One pass, so a merchant name that itself contains "{app}" is shown as written. */
function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
}

function messages(table: MessageTable): Messages {
  return {
    ...table,
    title: (merchant) => fill(table.title, { merchant }),
    qrLabel: (app) => fill(table.qrLabel, { app }),
  };
}

export const MESSAGES: Readonly<Record<Lang, Messages>> = { en: messages(TABLES.en), 'zh-CN': messages(TABLES['zh-CN']) };

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

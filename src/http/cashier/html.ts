/** The HTML both gateway pages (the cashier, the /sandbox index) start with: document head and language links. */
import { esc } from './format.js';
import { LANGS, type Lang } from './i18n.js';

const LANG_NAMES: Record<Lang, string> = { en: 'English', 'zh-CN': '中文' };

/** Doctype to <title>; the caller adds its own head links, closes </head> and writes the body. Never indexed: the pages name payments. */
export function documentStart(lang: Lang, title: string): string {
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex,nofollow">
<title>${esc(title)}</title>`;
}

/** One link per language, each named in its own language; the current one marked aria-current. */
export function languageLinks(lang: Lang): string {
  return LANGS.map((l) => `<li><a href="?lang=${l}" lang="${l}" hreflang="${l}"${l === lang ? ' aria-current="true"' : ''}>${esc(LANG_NAMES[l])}</a></li>`).join('');
}

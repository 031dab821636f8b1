// Alipay speaks China Standard Time (UTC+8, no DST) on the wire whatever the host's TZ, and
// amounts as yuan strings with exactly two decimals. Everything here is integer arithmetic
// on epoch milliseconds / fen so that no float or local-TZ conversion can creep in.

const CST_OFFSET_MS = 8 * 3600_000;

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function cstParts(ms: number) {
  const d = new Date(ms + CST_OFFSET_MS);
  return {
    y: d.getUTCFullYear(),
    mo: d.getUTCMonth() + 1,
    d: d.getUTCDate(),
    h: d.getUTCHours(),
    mi: d.getUTCMinutes(),
    s: d.getUTCSeconds(),
    ms: d.getUTCMilliseconds(),
  };
}

/** "yyyy-MM-dd HH:mm:ss" in GMT+8. */
export function formatCst(ms: number): string {
  const p = cstParts(ms);
  return `${p.y}-${pad(p.mo)}-${pad(p.d)} ${pad(p.h)}:${pad(p.mi)}:${pad(p.s)}`;
}

/** gmt_refund in real notifications carries milliseconds: "yyyy-MM-dd HH:mm:ss.SSS". */
export function formatCstMillis(ms: number): string {
  return `${formatCst(ms)}.${pad(cstParts(ms).ms, 3)}`;
}

/** "yyyy-MM-dd" (the GMT+8 calendar day). */
export function cstDate(ms: number): string {
  return formatCst(ms).slice(0, 10);
}

/** "yyyy年MM月dd日 HH:mm:ss" as used in bill file headers. */
export function formatCstChinese(ms: number): string {
  const p = cstParts(ms);
  return `${p.y}年${pad(p.mo)}月${pad(p.d)}日 ${pad(p.h)}:${pad(p.mi)}:${pad(p.s)}`;
}

const DATETIME_RE = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Parses GMT+8 "yyyy-MM-dd HH:mm:ss"; null unless it is a real calendar instant. */
export function parseCst(text: string): number | null {
  const m = DATETIME_RE.exec(text);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s) - CST_OFFSET_MS;
  // Round-trip rejects 2024-02-30 or 25:00:00, which Date.UTC would silently roll over.
  return formatCst(ms) === text ? ms : null;
}

/** Start (epoch ms) of the GMT+8 day "yyyy-MM-dd"; null if not a real date. */
export function parseCstDate(text: string): number | null {
  if (!DATE_RE.test(text)) return null;
  return parseCst(`${text} 00:00:00`);
}

export const DAY_MS = 86_400_000;

/** Yuan with at most 2 decimals, no sign, no exponent, no leading zeros. */
const YUAN_RE = /^(0|[1-9]\d{0,11})(?:\.(\d{1,2}))?$/;
export const MIN_AMOUNT_FEN = 1;
export const MAX_AMOUNT_FEN = 100_000_000 * 100;

/** "88.8" → 8880 fen; null if not a well-formed non-negative yuan amount. */
export function parseYuan(text: string): number | null {
  const m = YUAN_RE.exec(text);
  if (!m) return null;
  const whole = Number(m[1]);
  const frac = Number((m[2] ?? '').padEnd(2, '0'));
  return whole * 100 + frac;
}

/** 8880 → "88.80"; -100 → "-1.00". */
export function formatYuan(fen: number): string {
  if (!Number.isSafeInteger(fen)) throw new RangeError(`not an integer amount of fen: ${fen}`);
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  return `${sign}${Math.floor(abs / 100)}.${pad(abs % 100)}`;
}

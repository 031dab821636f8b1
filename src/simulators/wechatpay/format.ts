// WeChat Pay speaks Beijing time (UTC+8, no DST) whatever the host's TZ. Integer arithmetic
// on epoch ms / fen only, so no float or local-TZ conversion can creep in.

const CST_OFFSET_MS = 8 * 3600_000;
export const DAY_MS = 24 * 3600_000;

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function parts(ms: number) {
  const d = new Date(ms + CST_OFFSET_MS);
  return { y: d.getUTCFullYear(), mo: d.getUTCMonth() + 1, d: d.getUTCDate(), h: d.getUTCHours(), mi: d.getUTCMinutes(), s: d.getUTCSeconds() };
}

/** "2018-06-08T10:34:56+08:00" */
export function rfc3339(ms: number): string {
  const p = parts(ms);
  return `${p.y}-${pad(p.mo)}-${pad(p.d)}T${pad(p.h)}:${pad(p.mi)}:${pad(p.s)}+08:00`;
}

/** "yyyy-MM-dd HH:mm:ss" (bill cells). */
export function cstDateTime(ms: number): string {
  return rfc3339(ms).slice(0, 19).replace('T', ' ');
}

/** RFC 3339 with an explicit offset (WeChat requires one) → epoch ms; null when malformed. */
export function parseRfc3339(s: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?([+-]\d{2}:\d{2}|Z)$/.test(s)) return null;
  const ms = Date.parse(s);
  return Number.isFinite(ms) ? ms : null;
}

/** "yyyy-MM-dd" GMT+8 → epoch ms of its midnight; null when malformed. */
export function parseCstDate(s: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return null;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) - CST_OFFSET_MS;
  return Number.isFinite(ms) && rfc3339(ms).startsWith(s) ? ms : null;
}

/** 8888 → "88.88" */
export function yuan(fen: number): string {
  const neg = fen < 0;
  const s = String(Math.abs(fen)).padStart(3, '0');
  return `${neg ? '-' : ''}${s.slice(0, -2)}.${s.slice(-2)}`;
}

/**
 * Alipay reads every wall-clock value ("timestamp", "time_expire", "bill_date") as
 * Asia/Shanghai time, whatever TZ the gateway process runs in.
 */

// China has kept UTC+8 without daylight saving since 1991, so a fixed offset is exact for
// every instant a payment can carry; no tz database lookup is needed.
const CHINA_OFFSET_MS = 8 * 60 * 60 * 1000;

function shifted(at: Date): Date {
  const ms = at.getTime();
  if (!Number.isFinite(ms)) throw new RangeError('invalid Date');
  return new Date(ms + CHINA_OFFSET_MS);
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** "yyyy-MM-dd HH:mm:ss" in GMT+8. */
export function chinaDateTime(at: Date): string {
  const d = shifted(at);
  return `${chinaDate(at)} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** "yyyy-MM-dd" in GMT+8 (the calendar day a bill belongs to). */
export function chinaDate(at: Date): string {
  const d = shifted(at);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

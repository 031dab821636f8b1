/**
 * WeChat Pay writes times as RFC 3339 with the +08:00 offset ("2018-06-08T10:34:56+08:00").
 */

// China has kept UTC+8 without DST since 1991: a fixed offset is exact.
const CHINA_OFFSET_MS = 8 * 60 * 60 * 1000;

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

export function rfc3339China(at: Date): string {
  const ms = at.getTime();
  if (!Number.isFinite(ms)) throw new RangeError('invalid Date');
  const d = new Date(ms + CHINA_OFFSET_MS);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}+08:00`;
}

/** "yyyy-MM-dd" GMT+8: the bill_date a day's trade bill is asked for by. */
export function chinaDate(at: Date): string {
  return rfc3339China(at).slice(0, 10);
}

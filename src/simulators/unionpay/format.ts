// Beijing-time text as ACP writes it (UTC+8, no DST), and the simulator's id generators.
import { randomBytes, randomInt } from 'node:crypto';

const CST_MS = 8 * 3600_000;

/** yyyyMMddHHmmss in Beijing time. */
export function cstStamp(ms: number): string {
  return new Date(ms + CST_MS).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/** MMDD of the Beijing calendar day: ACP's settleDate. */
export function settleDateOf(ms: number): string {
  return cstStamp(ms).slice(4, 8);
}

/** yyyyMMddHHmmss → epoch ms, or null when it is not a real Beijing time. */
export function parseCstStamp(text: string): number | null {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(text);
  if (!m) return null;
  const ms = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}+08:00`);
  return Number.isFinite(ms) && cstStamp(ms) === text ? ms : null;
}

/** 21 digits, like UnionPay's queryId (timestamp + sequence). */
export function newQueryId(now: number): string {
  return `${cstStamp(now)}${String(randomInt(0, 10_000_000)).padStart(7, '0')}`;
}

export function newTraceNo(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}

export function newQrToken(): string {
  return randomBytes(12).toString('hex');
}

/** 15 digits starting 777, the shape of UnionPay's test merchant numbers. */
export function newMerId(): string {
  return `777${String(randomInt(0, 1_000_000)).padStart(6, '0')}${String(randomInt(0, 1_000_000)).padStart(6, '0')}`;
}

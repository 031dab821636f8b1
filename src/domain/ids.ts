/**
 * Ids are `<prefix>_<26 chars>`: 10 chars of millisecond time then 16 of randomness
 * (Crockford base32, like ULID). Time first makes "newest first" an index order and
 * cursor pagination a plain comparison; 80 random bits make ids unguessable.
 * Uses the Web Crypto global so domain stays free of node imports.
 */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

export type IdPrefix = 'mch' | 'key' | 'pa' | 'pay' | 'att' | 're' | 'dsp' | 'evt' | 'we' | 'whd' | 'ntf' | 'job' | 'rcr' | 'rcd' | 'rle' | 'rev';

function timePart(now: number): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  return time;
}

/** The smallest id of `prefix` made at or after `ms`: `id >= idFloor(…)` is "made since", an index range. */
export function idFloor(prefix: IdPrefix, ms: number): string {
  return `${prefix}_${timePart(ms)}${'0'.repeat(16)}`;
}

export function newId(prefix: IdPrefix, now: number = Date.now()): string {
  const time = timePart(now);
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  let rand = '';
  for (const b of bytes) rand += ALPHABET[b % 32];
  return `${prefix}_${time}${rand}`;
}

export function hasPrefix(id: string, prefix: IdPrefix): boolean {
  return id.startsWith(`${prefix}_`) && /^[a-z]+_[0-9a-z]{26}$/.test(id);
}

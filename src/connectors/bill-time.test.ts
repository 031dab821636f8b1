import { describe, expect, it } from 'vitest';
import { chinaWallTime } from './bill-time.js';

describe('chinaWallTime', () => {
  it('reads GMT+8 wall-clock times as the instant they name', () => {
    expect(chinaWallTime('2026-11-25 20:00:00')).toBe(Date.parse('2026-11-25T12:00:00Z'));
    expect(chinaWallTime('2026-12-01 00:00:00')).toBe(Date.parse('2026-11-30T16:00:00Z'));
    expect(chinaWallTime('2024-02-29 23:59:59')).toBe(Date.parse('2024-02-29T15:59:59Z'));
  });

  it('agrees with Date.parse on every second of sampled days', () => {
    for (const day of ['2026-01-01', '2026-06-15', '2026-12-31']) {
      for (let s = 0; s < 86_400; s += 37) {
        const t = new Date(Date.parse(`${day}T00:00:00Z`) + s * 1000).toISOString().slice(11, 19);
        expect(chinaWallTime(`${day} ${t}`)).toBe(Date.parse(`${day}T${t}+08:00`));
      }
    }
  });

  it('refuses what is not a real time, also after the date was seen valid', () => {
    expect(chinaWallTime('2026-11-25 12:00:00')).not.toBeNull();
    for (const bad of ['2026-02-29 10:00:00', '2026-02-30 10:00:00', '2026-13-01 10:00:00', '2026-00-10 10:00:00',
      '2026-11-25 24:00:00', '2026-11-25 12:60:00', '2026-11-25 12:00:60', '2026-11-25T12:00:00', '2026-11-25 12:00',
      '2026-11-25 1a:00:00', '2026-11-25 12:00:0 ', ' 2026-11-25 12:00:0', '', '2026-1-25 12:00:00', 'yyyy-mm-dd hh:mm:ss']) {
      expect(chinaWallTime(bad), bad).toBeNull();
    }
  });
});

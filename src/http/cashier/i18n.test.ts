import { describe, expect, it } from 'vitest';
import { LANGS, MESSAGES, TABLES } from './i18n.js';

/** Every key path of a table ("states.failed.body"), sorted, to compare tables by shape. */
function keyPaths(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null) return [prefix];
  return Object.entries(value).flatMap(([k, v]) => keyPaths(v, prefix === '' ? k : `${prefix}.${k}`)).sort();
}

/** The {name} placeholders of every string in a table, by key path. */
function placeholders(value: unknown, prefix = ''): Record<string, string[]> {
  if (typeof value === 'string') return { [prefix]: [...value.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '').sort() };
  return Object.assign({}, ...Object.entries(value as object).map(([k, v]) => placeholders(v, prefix === '' ? k : `${prefix}.${k}`)));
}

describe('cashier message tables (locales/*.json)', () => {
  it('every language has exactly the keys English has, at every depth', () => {
    const en = keyPaths(TABLES.en);
    expect(en).toContain('states.conflict.body');
    for (const lang of LANGS) expect(keyPaths(TABLES[lang]), lang).toEqual(en);
  });

  it('every language uses the same placeholders in the same messages, and only title and qrLabel have any', () => {
    const en = placeholders(TABLES.en);
    expect(Object.fromEntries(Object.entries(en).filter(([, names]) => names.length > 0))).toEqual({ title: ['merchant'], qrLabel: ['app'] });
    for (const lang of LANGS) expect(placeholders(TABLES[lang]), lang).toEqual(en);
  });

  it('no message is empty', () => {
    for (const lang of LANGS) {
      for (const key of Object.keys(placeholders(TABLES[lang]))) {
        const text = key.split('.').reduce<unknown>((node, k) => (node as Record<string, unknown>)[k], TABLES[lang]);
        expect(typeof text === 'string' && text.trim() !== '', `${lang} ${key}`).toBe(true);
      }
    }
  });

  it('fills the placeholders in one pass: a merchant name is shown as written', () => {
    expect(MESSAGES.en.title('Tea {app} House')).toBe('Pay Tea {app} House');
    expect(MESSAGES['zh-CN'].title('茶馆')).toBe('向茶馆付款');
    expect(MESSAGES.en.qrLabel('Scan with Alipay')).toBe('QR code. Scan with Alipay to pay.');
    expect(MESSAGES.en.title('$& $1 Shop')).toBe('Pay $& $1 Shop');
  });
});

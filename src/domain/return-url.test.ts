import { describe, expect, it } from 'vitest';
import { followableReturnUrl, isLoopbackHost, RETURN_URL_MAX, returnUrlProblem } from './return-url.js';

const test = { allowLoopbackHttp: true };
const live = { allowLoopbackHttp: false };

describe('return_url rule', () => {
  it('accepts plain https URLs in both modes, with query and fragment', () => {
    for (const url of ['https://shop.example/done?o=1', 'https://SHOP.example:8443/a/b#x', 'https://xn--fsqu00a.example/', 'https://[2001:db8::1]/back']) {
      expect(returnUrlProblem(url, live), url).toBeUndefined();
      expect(returnUrlProblem(url, test), url).toBeUndefined();
    }
  });

  it('refuses every scheme but https (javascript:, data:, vbscript:, file:, ftp:), whatever the case or padding', () => {
    for (const url of ['javascript:alert(1)', 'JavaScript:alert(document.domain)//https://x', 'data:text/html,<script>alert(1)</script>', 'vbscript:msgbox(1)', 'file:///etc/passwd', 'ftp://shop.example/', ' javascript:alert(1)', '\tjavascript:alert(1)', 'java\nscript:alert(1)']) {
      expect(returnUrlProblem(url, test), url).toBeDefined();
    }
  });

  it('refuses protocol-relative, scheme-only and backslash tricks', () => {
    for (const url of ['//evil.example/x', '///evil.example', 'https:evil.example', 'https:/evil.example', 'https:\\\\evil.example', 'https://shop.example\\@evil.example/', '/\\evil.example', '\\\\evil.example']) {
      expect(returnUrlProblem(url, test), url).toBeDefined();
    }
  });

  it('refuses NUL and other control characters, spaces and credentials', () => {
    for (const url of ['https://shop.example/\u0000x', 'https://shop.example/a\r\nSet-Cookie: x=1', 'https://shop.example/a b', 'https://shop.example/\u2028', 'https://user:pw@shop.example/', 'https://user@shop.example/', 'https://shop.example@evil.example/']) {
      expect(returnUrlProblem(url, test), JSON.stringify(url)).toBeDefined();
    }
  });

  it('http only to loopback hosts, and only in test mode', () => {
    for (const url of ['http://localhost:3000/done', 'http://127.0.0.1:8080/x', 'http://127.1/x', 'http://2130706433/x', 'http://[::1]:9/x', 'http://shop.localhost/x']) {
      expect(returnUrlProblem(url, test), url).toBeUndefined();
      expect(returnUrlProblem(url, live), url).toMatch(/live key/);
    }
    for (const url of ['http://shop.example/done', 'http://10.0.0.1/', 'http://localhost.evil.example/', 'http://127.0.0.1.evil.example/']) {
      expect(returnUrlProblem(url, test), url).toMatch(/must use https/);
    }
  });

  it('is length-bounded', () => {
    const base = 'https://shop.example/';
    expect(returnUrlProblem(base + 'a'.repeat(RETURN_URL_MAX - base.length), live)).toBeUndefined();
    expect(returnUrlProblem(base + 'a'.repeat(RETURN_URL_MAX - base.length + 1), live)).toMatch(/at most 2048/);
  });

  it('followableReturnUrl: the canonical URL when the rule holds, else null', () => {
    expect(followableReturnUrl('https://Shop.Example/done?o=1')).toBe('https://shop.example/done?o=1');
    expect(followableReturnUrl('http://127.0.0.1:8080/x')).toBe('http://127.0.0.1:8080/x');
    for (const bad of [null, undefined, '', 'javascript:alert(1)', 'data:text/html,x', 'http://evil.example/', 'https://a\u0000b.example/', '//evil.example']) {
      expect(followableReturnUrl(bad)).toBeNull();
    }
  });

  it('isLoopbackHost does not trust look-alikes', () => {
    expect(isLoopbackHost('127.0.0.1')).toBe(true);
    expect(isLoopbackHost('localhost')).toBe(true);
    expect(isLoopbackHost('localhost.example')).toBe(false);
    expect(isLoopbackHost('128.0.0.1')).toBe(false);
    expect(isLoopbackHost('[::ffff:127.0.0.1]')).toBe(false);
  });
});

/** The log redaction list covers every provider's signature headers, as pino applies it. */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { LOG_REDACT } from './server.js';

describe('LOG_REDACT', () => {
  it('censors provider signature headers, Authorization and Idempotency-Key wherever a request is logged', () => {
    const lines: string[] = [];
    const log = pino({ level: 'info', redact: { paths: LOG_REDACT, censor: '[redacted]' } }, { write: (l: string) => { lines.push(l); } });
    const headers = {
      authorization: 'Bearer sk_test_abc', 'idempotency-key': 'idem-1', 'wechatpay-signature': 'WXSIG', 'paypal-transmission-sig': 'PPSIG', 'stripe-signature': 't=1,v1=STSIG',
      'content-type': 'application/json',
    };
    log.info({ req: { method: 'POST', url: '/notify/stripe/pa_1', headers } }, 'incoming request');
    const out = JSON.parse(lines[0]!) as { req: { headers: Record<string, string> } };
    for (const h of ['authorization', 'idempotency-key', 'wechatpay-signature', 'paypal-transmission-sig', 'stripe-signature']) expect(out.req.headers[h], h).toBe('[redacted]');
    expect(out.req.headers['content-type']).toBe('application/json');
    expect(lines[0]).not.toMatch(/WXSIG|PPSIG|STSIG|sk_test_abc/);
  });
});

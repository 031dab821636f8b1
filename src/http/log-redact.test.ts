/** The log redaction list covers every provider's signature headers and a buyer's risk inputs, as pino applies it. */
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

  it('censors who pays (customer, client_ip, device_id) in a logged body or payment', () => {
    const lines: string[] = [];
    const log = pino({ level: 'info', redact: { paths: LOG_REDACT, censor: '[redacted]' } }, { write: (l: string) => { lines.push(l); } });
    const buyer = { customer: { id: 'cus_42', email: 'li.lei@example.com', phone: '+8613800138000' }, client_ip: '203.0.113.7', device_id: 'dev-7f3a', amount: 1200 };
    log.info({ body: buyer }, 'create');
    log.info({ payment: { ...buyer, customer_email: 'li.lei@example.com', customer_phone: '+8613800138000' } }, 'row');
    for (const line of lines) {
      expect(line).not.toMatch(/li\.lei|8613800138000|203\.0\.113\.7|dev-7f3a|cus_42/);
      expect(line).toContain('"amount":1200');
    }
  });
});

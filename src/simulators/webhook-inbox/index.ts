/**
 * A stand-in for the merchant's webhook endpoint in the embedded default: the demo merchant
 * subscribes it, so `npm start` shows webhooks arriving without writing a receiver.
 * POST /sandbox/webhooks/inbox records a delivery (last 100 kept in memory);
 * GET lists them newest first with their Paygate-Signature header.
 */
import type { FastifyPluginAsync } from 'fastify';

interface Delivery { received_at: string; signature: string | null; body: unknown }

export function webhookInboxPlugin(): FastifyPluginAsync {
  const inbox: Delivery[] = [];
  return async (app) => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 1024 * 1024 }, (_req, body, done) => done(null, body));
    app.post('/inbox', async (req) => {
      const text = typeof req.body === 'string' ? req.body : '';
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // keep the text as received
      }
      const sig = req.headers['paygate-signature'];
      inbox.unshift({ received_at: new Date().toISOString(), signature: typeof sig === 'string' ? sig : null, body });
      inbox.length = Math.min(inbox.length, 100);
      return { received: true };
    });
    app.get('/inbox', async () => ({ object: 'list', data: inbox }));
  };
}

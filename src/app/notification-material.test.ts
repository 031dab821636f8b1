import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { loadConfig } from '../infra/config.js';
import { createMetrics } from '../infra/metrics.js';
import type { AppContext } from './context.js';
import { ProviderGateway } from './provider-gateway.js';
import type { LoadedAccount } from './accounts.js';
import type { ConnectorContext, InboundNotification, WireRequest } from '../connectors/types.js';
import { notificationMaterial } from './notification-material.js';

describe('notification material (PayPal certificates)', () => {
  it('a burst on a cold cache makes one fetch; a failed fetch is not cached', async () => {
    let sends = 0;
    let fail = false;
    const ctx = {
      config: { PAYGATE_PROVIDER_TIMEOUT_MS: 1000 },
      transport: {
        send: async (_req: WireRequest) => {
          sends++;
          await new Promise((r) => setTimeout(r, 20));
          return fail ? { status: 503, headers: {}, body: '' } : { status: 200, headers: {}, body: 'CERT' };
        },
      },
      providers: new ProviderGateway({ config: loadConfig({}), metrics: createMetrics(), log: pino({ level: 'silent' }), now: () => Date.now() }),
    } as unknown as AppContext;
    const acc = {
      connector: { notificationMaterial: () => ({ ok: true, cacheKey: 'https://h/cert.pem', request: { method: 'GET', url: 'https://h/cert.pem', headers: {} } }) },
    } as unknown as LoadedAccount;
    const call = () => notificationMaterial(ctx, acc, {} as ConnectorContext<unknown>, {} as InboundNotification);

    const results = await Promise.all(Array.from({ length: 20 }, call));
    expect(sends).toBe(1);
    expect(results.every((r) => r.ok && r.response?.body === 'CERT')).toBe(true);
    await call();
    expect(sends).toBe(1); // cached

    const acc2 = { connector: { notificationMaterial: () => ({ ok: true, cacheKey: 'https://h/other.pem', request: { method: 'GET', url: 'https://h/other.pem', headers: {} } }) } } as unknown as LoadedAccount;
    fail = true;
    await notificationMaterial(ctx, acc2, {} as ConnectorContext<unknown>, {} as InboundNotification);
    fail = false;
    const again = await notificationMaterial(ctx, acc2, {} as ConnectorContext<unknown>, {} as InboundNotification);
    expect(sends).toBe(3); // the 503 was not cached
    expect(again.ok && again.response?.status).toBe(200);
  });
});

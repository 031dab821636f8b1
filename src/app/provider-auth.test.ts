import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { AppContext } from './context.js';
import { createNodeServices } from './services.js';
import type { LoadedAccount } from './accounts.js';
import type { WireResponse } from '../connectors/types.js';
import { accessToken } from './provider-auth.js';

describe('provider OAuth tokens (PayPal)', () => {
  it('caches the token, refreshes it before it expires, and shares one fetch among concurrent callers', async () => {
    let now = 1_700_000_000_000;
    let fetches = 0;
    const ctx = {
      config: {
        PAYGATE_PROVIDER_TIMEOUT_MS: 1000, PAYGATE_PROVIDER_BULKHEAD: 64, PAYGATE_BREAKER_THRESHOLD: 0.25,
        PAYGATE_BREAKER_WINDOW_MS: 10_000, PAYGATE_BREAKER_MIN_CALLS: 20, PAYGATE_BREAKER_HALF_OPEN_MS: 5000,
      },
      metrics: { providerCalls: { observe: () => undefined }, providerErrors: { inc: () => undefined }, breakerState: { set: () => undefined }, breakerTransitions: { inc: () => undefined } },
      transport: {
        send: async (): Promise<WireResponse> => {
          fetches++;
          await new Promise((r) => setTimeout(r, 10));
          return { status: 200, headers: {}, body: `token-${fetches}` };
        },
      },
      now: () => now,
      publicUrl: () => 'http://gw',
    } as unknown as AppContext;
    Object.assign(ctx, createNodeServices({ config: ctx.config, metrics: ctx.metrics, log: pino({ level: 'silent' }), now: ctx.now }));
    const acc = {
      row: { id: 'pa_1', provider: 'paypal', base_url: 'http://pp' },
      credentials: {},
      connector: {
        auth: {
          build: () => ({ method: 'POST', url: 'http://pp/v1/oauth2/token', headers: {}, body: 'grant_type=client_credentials' }),
          // PayPal tokens typically live 9 h; this one lives 1 h.
          parse: (_c: unknown, res: WireResponse) => ({ ok: true, token: res.body, expiresAt: new Date(now + 3600_000) }),
        },
      },
    } as unknown as LoadedAccount;

    const first = await Promise.all(Array.from({ length: 10 }, () => accessToken(ctx, acc)));
    expect(fetches).toBe(1);
    expect(first.every((t) => t.ok && t.token === 'token-1')).toBe(true);

    now += 50 * 60_000; // 50 min: still more than the 5-min margin left
    expect(await accessToken(ctx, acc)).toEqual({ ok: true, token: 'token-1' });
    expect(fetches).toBe(1);

    now += 6 * 60_000; // 56 min: inside the margin → refreshed before expiry
    expect(await accessToken(ctx, acc)).toEqual({ ok: true, token: 'token-2' });
    expect(fetches).toBe(2);

    // A 401 on token-2 forces a new one even though it has not expired.
    expect(await accessToken(ctx, acc, 'token-2')).toEqual({ ok: true, token: 'token-3' });
  });
});

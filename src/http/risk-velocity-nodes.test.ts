/**
 * Velocity limits are exact across gateway nodes: two nodes on one PostgreSQL and one Redis
 * take 50 concurrent creates from one device, and exactly the limit goes through — the rest
 * are blocked (or held for review) as the rule says. Each create's count comes from its own
 * atomic reservation in Redis (infra/risk/velocity-redis.ts), never from a read that another
 * node's create could overtake.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandboxMerchant } from '../sandbox/index.js';
import { startGateway, waitFor, type Gateway } from '../test-support/harness.js';
import { TEST_REDIS_URL, uniquePrefix } from '../test-support/redis.js';

interface Answer { status?: string; error?: { code: string } }

describe('velocity across two nodes on one Redis', () => {
  let a: Gateway;
  let b: Gateway;
  beforeAll(async () => {
    const env = { REDIS_URL: TEST_REDIS_URL, PAYGATE_REDIS_PREFIX: uniquePrefix() };
    // Node a serves the simulators the sandbox accounts point at; node b reaches them over HTTP like a provider.
    a = await startGateway({ db: 'postgres', env });
    b = await startGateway({ db: 'postgres', databaseUrl: a.env.DATABASE_URL!, env: { ...env, PAYGATE_MASTER_KEY: a.env.PAYGATE_MASTER_KEY!, PAYGATE_SIMULATORS: 'false', PAYGATE_WORKER: 'false' } });
    for (const gw of [a, b]) await waitFor(() => gw.rt.ctx.redis?.state === 'up', { timeoutMs: 5000, what: 'redis up' });
  }, 60_000);
  afterAll(async () => { await b?.close(); await a?.stop(); });

  async function burst(rule: { when: string; action: 'block' | 'review' }, device: string): Promise<Answer[]> {
    const m = await createSandboxMerchant(a.rt.ctx, a.rt.simulators, `Velocity ${device}`);
    const put = await a.admin('PUT', `/admin/merchants/${m.id}/risk/rules`, { rules: [{ name: 'device_limit', mode: 'active', ...rule }] });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? b : a).api<Answer>(m.secret_key, 'POST', '/v1/payments', {
      amount: 500, currency: 'CNY', method: 'alipay_qr', merchant_order_id: `VEL-${device}-${i}`, device_id: device,
    })));
    return answers.map((r) => r.body);
  }

  it('blocks exactly the creates past the limit, whichever node took them', async () => {
    const answers = await burst({ when: 'velocity.device.count_1m >= 10', action: 'block' }, 'dev-burst-block');
    expect(answers.filter((x) => x.status === 'requires_action')).toHaveLength(10);
    expect(answers.filter((x) => x.error?.code === 'RISK.BLOCKED')).toHaveLength(40);
  });

  it('holds exactly the creates past the limit for review', async () => {
    const answers = await burst({ when: 'velocity.device.count_1h >= 7', action: 'review' }, 'dev-burst-review');
    expect(answers.filter((x) => x.status === 'requires_action')).toHaveLength(7);
    expect(answers.filter((x) => x.status === 'requires_review')).toHaveLength(43);
  });
});

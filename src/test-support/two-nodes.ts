/**
 * Two gateway nodes on one PostgreSQL database and one Redis, for tests of what one node's
 * change does on the other. The config cache lives a minute, so a change the other node sees
 * at once can only have come through the Redis broadcast; neither node runs jobs or simulators.
 */
import { startGateway, waitFor, type Gateway } from './harness.js';
import { TEST_REDIS_URL, uniquePrefix } from './redis.js';

export async function startTwoNodes(): Promise<[Gateway, Gateway]> {
  const env = { REDIS_URL: TEST_REDIS_URL, PAYGATE_REDIS_PREFIX: uniquePrefix(), PAYGATE_CONFIG_CACHE_TTL_MS: '60000', PAYGATE_WORKER: 'false', PAYGATE_SIMULATORS: 'false' };
  const a = await startGateway({ db: 'postgres', env });
  const b = await startGateway({ db: 'postgres', databaseUrl: a.env.DATABASE_URL!, env: { ...env, PAYGATE_MASTER_KEY: a.env.PAYGATE_MASTER_KEY! } });
  for (const gw of [a, b]) await waitFor(() => gw.rt.ctx.redis?.state === 'up', { timeoutMs: 5000, what: 'redis up' });
  return [a, b];
}

/**
 * Sandbox wiring: which simulators the embedded default mounts, and provisioning of
 * sandbox provider accounts pointing at them (demo merchant, `merchant create --sandbox`).
 * The simulators themselves are listed in simulators.ts; add new providers there.
 */
import type { AppContext } from '../app/context.js';
import { createProviderAccount, providerAccountToApi } from '../app/accounts.js';
import { createMerchant } from '../app/merchants.js';
import { webhookInboxPlugin } from '../simulators/webhook-inbox/index.js';
import { SIMULATORS } from './simulators.js';
import type { SandboxSimulator, SimulatorOptions } from './types.js';

export type { SandboxSimulator, SimulatorOptions } from './types.js';

export function createSimulators(o: SimulatorOptions): SandboxSimulator[] {
  const sims = SIMULATORS.map((make) => make(o));
  // Not a provider: the demo merchant's webhook endpoint, so webhooks are visible out of the box.
  sims.push({ provider: 'webhooks', plugin: webhookInboxPlugin(), newAccountCredentials: () => ({}), close: async () => undefined });
  return sims;
}

export type Simulators = Record<string, SandboxSimulator>;

export async function provisionSandboxAccounts(ctx: AppContext, simulators: Simulators, merchantId: string) {
  const created = [];
  for (const sim of Object.values(simulators)) {
    if (sim.provider === 'webhooks') continue;
    const credentials = await sim.newAccountCredentials();
    const row = await createProviderAccount(ctx, merchantId, {
      provider: sim.provider, mode: 'sandbox', base_url: `${ctx.publicUrl()}/sandbox/${sim.provider}`, credentials,
    });
    await sim.afterAccountCreated?.(row.id, `${ctx.publicUrl()}/notify/${sim.provider}/${row.id}`, credentials);
    created.push(providerAccountToApi(row));
  }
  return created;
}

export async function createSandboxMerchant(ctx: AppContext, simulators: Simulators, name: string) {
  const merchant = await createMerchant(ctx, { name });
  const accounts = await provisionSandboxAccounts(ctx, simulators, merchant.id);
  return { ...merchant, provider_accounts: accounts };
}

/** Sandbox provisioning: provider accounts for a merchant that point at the simulators. */
import type { AppContext } from './app/context.js';
import { createProviderAccount, providerAccountToApi } from './app/accounts.js';
import { createMerchant } from './app/merchants.js';
import type { Simulators } from './runtime.js';

export async function provisionSandboxAccounts(ctx: AppContext, simulators: Simulators, merchantId: string) {
  const created = [];
  if (simulators.alipay) {
    const creds = simulators.alipay.registerApp();
    const row = await createProviderAccount(ctx, merchantId, {
      provider: 'alipay', mode: 'sandbox', base_url: `${ctx.publicUrl()}/sandbox/alipay`,
      credentials: { app_id: creds.app_id, private_key: creds.private_key, alipay_public_key: creds.alipay_public_key },
    });
    created.push(providerAccountToApi(row));
  }
  return created;
}

export async function createSandboxMerchant(ctx: AppContext, simulators: Simulators, name: string) {
  const merchant = await createMerchant(ctx, { name });
  const accounts = await provisionSandboxAccounts(ctx, simulators, merchant.id);
  return { ...merchant, provider_accounts: accounts };
}

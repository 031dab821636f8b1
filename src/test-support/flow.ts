/**
 * The set-up the HTTP flow tests share: a gateway with a webhook receiver and a sandbox
 * merchant, and the lookups of a merchant's provider account they make before the first
 * test. Each helper cleans up what it started when a later step fails, so a test's afterAll
 * only has to stop what it got back.
 */
import { loadAccount } from '../app/accounts.js';
import { sandboxMerchant, startGateway, startReceiver, type Gateway, type GatewayOptions } from './harness.js';

export type Receiver = Awaited<ReturnType<typeof startReceiver>>;
export type SandboxMerchant = Awaited<ReturnType<typeof sandboxMerchant>>;

export interface FlowGateway { gw: Gateway; receiver: Receiver; m: SandboxMerchant }

/**
 * A gateway, a webhook receiver and a sandbox merchant. The merchant's webhook endpoint is
 * the receiver unless `webhook: false` (a test that reads the receiver only for other traffic).
 */
export async function startFlowGateway(opts: GatewayOptions, merchant: { webhook?: boolean } = {}): Promise<FlowGateway> {
  const gw = await startGateway(opts);
  let receiver: Receiver | undefined;
  try {
    receiver = await startReceiver();
    const m = await sandboxMerchant(gw, merchant.webhook === false ? undefined : receiver.url);
    return { gw, receiver, m };
  } catch (err) {
    await stopFlowGateway({ gw, receiver });
    throw err;
  }
}

/** Stops what startFlowGateway (or a test's own set-up) started; parts never started are skipped. */
export async function stopFlowGateway(parts: { gw?: Gateway | undefined; receiver?: Receiver | undefined }): Promise<void> {
  await parts.receiver?.close();
  await parts.gw?.stop();
}

/** The id of the merchant's account of `provider` (the sandbox merchant has one per simulator). */
export async function providerAccountId(gw: Gateway, merchantId: string, provider: string): Promise<string> {
  return (await gw.rt.ctx.db.selectFrom('provider_accounts').select('id').where('merchant_id', '=', merchantId).where('provider', '=', provider).executeTakeFirstOrThrow()).id;
}

/** The merchant's sandbox Stripe account and the two secrets a test signs and calls with. */
export async function stripeAccountOf(gw: Gateway, merchantId: string): Promise<{ id: string; secretKey: string; webhookSecret: string }> {
  const id = await providerAccountId(gw, merchantId, 'stripe');
  const creds = (await loadAccount(gw.rt.ctx, id))!.credentials as { secretKey: string; webhookSecret: string };
  return { id, secretKey: creds.secretKey, webhookSecret: creds.webhookSecret };
}

/** A provider account's credentials as stored: the vault's plaintext JSON, not parsed by the connector. */
export async function storedCredentials<T>(gw: Gateway, accountId: string): Promise<T> {
  const row = await gw.rt.ctx.db.selectFrom('provider_accounts').select('credentials_enc').where('id', '=', accountId).executeTakeFirstOrThrow();
  return JSON.parse(gw.rt.ctx.vault.open(row.credentials_enc, `provider_account:${accountId}`)) as T;
}

/**
 * A sandbox merchant named `name` (every simulator gets an account) with a webhook endpoint
 * to `webhookUrl` for every event: its key, its id and the id of its `provider` account.
 */
export async function namedSandboxMerchant(gw: Gateway, name: string, provider: string, webhookUrl: string): Promise<{ key: string; merchantId: string; accountId: string }> {
  const { createSandboxMerchant } = await import('../sandbox/index.js');
  const m = await createSandboxMerchant(gw.rt.ctx, gw.rt.simulators, name);
  const accountId = m.provider_accounts.find((a) => a.provider === provider)?.id ?? '';
  await gw.api(m.secret_key, 'POST', '/v1/webhook_endpoints', { url: webhookUrl, events: ['*'] });
  return { key: m.secret_key, merchantId: m.id, accountId };
}

/**
 * Runs `body` with faults set on the gateway's in-process simulator of `provider`, and sets
 * `reset` afterwards even when the body fails, so a failed test leaves no fault on for the next.
 */
export async function withFaults(gw: Gateway, provider: string, faults: Record<string, unknown>, reset: Record<string, unknown>, body: () => Promise<void>): Promise<void> {
  const set = (f: Record<string, unknown>) => fetch(`${gw.url}/sandbox/${provider}/_faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(f) });
  await set(faults);
  try {
    await body();
  } finally {
    await set(reset);
  }
}

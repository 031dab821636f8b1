/**
 * `merchant create --sandbox`: sandbox provider accounts made over HTTP only — each
 * simulator's registration endpoint, then the gateway's admin API — so the same code serves
 * the simulators mounted in the gateway and a standalone `paygate sandbox --port N`
 * (--simulators-url). The account's base_url is the simulator URL this CLI reached, which is
 * what the gateway calls. docs/sandbox.md describes each step for doing it with curl.
 */
import { STRIPE_EVENTS } from '../connectors/stripe/index.js';
import { admin, CliError, describeError, requestJson, type GatewayTarget } from './client.js';

export const SANDBOX_PROVIDERS = ['alipay', 'wechatpay', 'unionpay', 'paypal', 'stripe'] as const;
type Provider = (typeof SANDBOX_PROVIDERS)[number];

/** Where each simulator hands out a fresh sandbox account, and which answer fields are the credentials. */
const REGISTER: Record<Provider, { path: string; fields?: readonly string[] }> = {
  alipay: { path: '/_apps', fields: ['app_id', 'private_key', 'alipay_public_key'] },
  wechatpay: { path: '/_merchants' },
  unionpay: { path: '/_merchants' },
  paypal: { path: '/_admin/apps', fields: ['client_id', 'client_secret', 'webhook_id'] },
  stripe: { path: '/_accounts', fields: ['secret_key', 'webhook_secret'] },
};

export interface ProviderAccount { id: string; provider: string; mode: string; base_url: string }

/** Which simulators answer at `simulatorsUrl` (their fault switch is the cheapest page every one has). */
export async function reachableSimulators(simulatorsUrl: string): Promise<Provider[]> {
  const found: Provider[] = [];
  for (const p of SANDBOX_PROVIDERS) {
    const a = await requestJson('GET', `${simulatorsUrl}/sandbox/${p}/_faults`, { what: 'the simulators' });
    if (a.status === 200) found.push(p);
  }
  return found;
}

export function noSimulatorsMessage(simulatorsUrl: string, gatewayUrl: string): string {
  const own = simulatorsUrl === gatewayUrl;
  return `--sandbox needs the provider simulators, and none answer at ${simulatorsUrl}/sandbox/<provider>. `
    + (own
      ? 'The gateway mounts them only with PAYGATE_SIMULATORS=true (the default in the embedded quick start; off with DATABASE_URL or NODE_ENV=production, and never on a node that takes real payments). '
        + 'Either restart the gateway with PAYGATE_SIMULATORS=true, or run them standalone with `paygate sandbox --port 9000` and pass --simulators-url http://127.0.0.1:9000. '
      : 'Start them with `paygate sandbox --port N` and pass that URL with --simulators-url. ')
    + 'Or create the merchant without --sandbox and add real accounts (docs/providers/<provider>.md, "Live account credentials"). Nothing was created.';
}

function pick(body: unknown, fields: readonly string[] | undefined): Record<string, unknown> {
  const b = body as Record<string, unknown>;
  if (!fields) return { ...b };
  return Object.fromEntries(fields.map((f) => [f, b[f]]));
}

async function simulatorCall(method: string, url: string, body: unknown, headers: Record<string, string> = {}): Promise<unknown> {
  const a = await requestJson(method, url, { body, headers, what: 'the simulators' });
  if (a.status >= 300) throw new CliError(`${method} ${url} failed: ${describeError(a)}`);
  return a.body;
}

/** After the gateway account exists: point the simulator's webhooks at its notify URL (PayPal, Stripe). */
async function registerWebhook(provider: Provider, base: string, credentials: Record<string, unknown>, notifyUrl: string): Promise<void> {
  if (provider === 'paypal') {
    const basic = Buffer.from(`${String(credentials.client_id)}:${String(credentials.client_secret)}`).toString('base64');
    const a = await requestJson('POST', `${base}/v1/oauth2/token`, { body: 'grant_type=client_credentials', headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' }, what: 'the PayPal simulator' });
    const token = (a.body as { access_token?: string }).access_token;
    if (a.status !== 200 || !token) throw new CliError(`PayPal simulator token failed: ${describeError(a)}`);
    // The same call a merchant makes against PayPal: replace the webhook's URL.
    await simulatorCall('PATCH', `${base}/v1/notifications/webhooks/${String(credentials.webhook_id)}`, [{ op: 'replace', path: '/url', value: notifyUrl }], { authorization: `Bearer ${token}` });
  } else if (provider === 'stripe') {
    await simulatorCall('POST', `${base}/_accounts/webhook`, { secret_key: credentials.secret_key, url: notifyUrl, enabled_events: STRIPE_EVENTS });
  }
}

/** Adds one sandbox account per reachable simulator to the merchant. */
export async function provisionOverHttp(t: GatewayTarget, merchantId: string, simulatorsUrl: string, providers: readonly Provider[]): Promise<ProviderAccount[]> {
  const created: ProviderAccount[] = [];
  for (const p of providers) {
    const base = `${simulatorsUrl}/sandbox/${p}`;
    const credentials = pick(await simulatorCall('POST', base + REGISTER[p].path, {}), REGISTER[p].fields);
    const account = await admin<ProviderAccount>(t, 'POST', `/admin/merchants/${merchantId}/provider_accounts`, { provider: p, mode: 'sandbox', base_url: base, credentials });
    await registerWebhook(p, base, credentials, `${t.url}/notify/${p}/${account.id}`);
    created.push(account);
  }
  return created;
}

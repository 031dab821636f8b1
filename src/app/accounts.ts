/**
 * Provider accounts: credentials are sealed at rest and opened only here. The row comes
 * through the configuration cache (key `account:<id>`, dropped on every node when it
 * changes); parsed credentials (key objects) are kept per account, in the node's provider
 * gateway (ctx.providers), for as long as the sealed
 * text is unchanged, because parsing PEM on every call is the most expensive part of a
 * provider call after the network.
 */
import { PaygateError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import type { Connector, ConnectorContext } from '../connectors/types.js';
import { accountById, insertAccount } from '../infra/db/repos/provider-accounts.js';
import type { ProviderAccountRow } from '../infra/db/schema.js';
import type { DbOrTx } from '../infra/db/index.js';
import type { AppContext } from './context.js';
import { connectorFor } from './connectors.js';

export interface LoadedAccount {
  row: ProviderAccountRow;
  connector: Connector<unknown>;
  credentials: unknown;
}

export function accountCacheKey(id: string): string {
  return `account:${id}`;
}

/**
 * The account's row through the node's config cache (no query on a hit; invalidated on change).
 * `db`: the caller's transaction when it holds one — on SQLite it holds the only connection, so
 * a miss read through the pool (the entry lapsed, or was invalidated, since the caller loaded the
 * account) would wait for it forever; such a read neither joins nor is joined by a load in flight.
 */
export function accountRow(ctx: AppContext, id: string, db: DbOrTx = ctx.db): Promise<ProviderAccountRow | undefined> {
  return ctx.configCache.get(accountCacheKey(id), () => accountById(db, id), { join: db === ctx.db });
}

export async function loadAccount(ctx: AppContext, id: string): Promise<LoadedAccount | undefined> {
  const row = await accountRow(ctx, id);
  if (!row) return undefined;
  const connector = connectorFor(row.provider);
  if (!connector) return undefined;
  const parsed = ctx.providers.credentials;
  let hit = parsed.get(id);
  if (hit?.sealed !== row.credentials_enc) {
    hit = { sealed: row.credentials_enc, credentials: connector.parseCredentials(JSON.parse(ctx.vault.open(row.credentials_enc, `provider_account:${row.id}`))) };
    parsed.set(id, hit);
  }
  return { row, connector, credentials: hit.credentials };
}

export function connectorContext(ctx: AppContext, acc: LoadedAccount): ConnectorContext<unknown> {
  return {
    credentials: acc.credentials,
    baseUrl: acc.row.base_url.replace(/\/$/, ''),
    notifyUrl: `${ctx.publicUrl()}/notify/${acc.row.provider}/${acc.row.id}`,
    now: new Date(ctx.now()),
  };
}

export interface NewProviderAccount {
  provider: string;
  mode: 'sandbox' | 'live';
  base_url: string;
  credentials: Record<string, unknown>;
  daily_limit?: number | null;
}

export async function createProviderAccount(ctx: AppContext, merchantId: string, input: NewProviderAccount): Promise<ProviderAccountRow> {
  const connector = connectorFor(input.provider);
  if (!connector) throw new PaygateError('PAYMENT.METHOD_UNAVAILABLE', `provider ${input.provider} is not available in this build`, { field: 'provider' });
  // Validate before sealing: a typo in a PEM should fail now, not at the first payment.
  connector.parseCredentials(input.credentials);
  const now = ctx.now();
  const id = newId('pa', now);
  const row: ProviderAccountRow = {
    id, merchant_id: merchantId, provider: input.provider, mode: input.mode, base_url: input.base_url.replace(/\/$/, ''),
    credentials_enc: ctx.vault.seal(JSON.stringify(input.credentials), `provider_account:${id}`),
    daily_limit: input.daily_limit ?? null, created_at: now,
  };
  await insertAccount(ctx.db, row);
  return row;
}

export function providerAccountToApi(r: ProviderAccountRow) {
  return { id: r.id, object: 'provider_account' as const, merchant_id: r.merchant_id, provider: r.provider, mode: r.mode, base_url: r.base_url, daily_limit: r.daily_limit, created_at: new Date(r.created_at).toISOString() };
}

/** `paygate sandbox pay`: looks up the payment's provider reference and plays the payer in that provider's simulator. */
import { loadConfig } from '../infra/config.js';
import { openDb } from '../infra/db/index.js';

export async function sandboxPay(paymentId: string, outcome: 'success' | 'fail'): Promise<unknown> {
  const config = loadConfig();
  const h = openDb({ ...(config.DATABASE_URL ? { databaseUrl: config.DATABASE_URL } : {}), dataDir: config.PAYGATE_DATA_DIR });
  try {
    const row = await h.db.selectFrom('attempts').innerJoin('provider_accounts', 'provider_accounts.id', 'attempts.provider_account_id')
      .select(['attempts.qr_code', 'attempts.redirect_url', 'attempts.provider_reference', 'provider_accounts.base_url', 'provider_accounts.mode'])
      .where('attempts.payment_id', '=', paymentId).orderBy('attempts.id', 'desc').executeTakeFirst();
    if (!row) throw new Error(`no payment ${paymentId} in ${config.DATABASE_URL ? 'the database' : config.PAYGATE_DATA_DIR}`);
    if (row.mode !== 'sandbox') throw new Error(`payment ${paymentId} is on a live account; sandbox pay only plays sandbox payments`);
    const res = await fetch(`${row.base_url}/_payer/pay`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      // The QR content or approval URL is what a buyer has in hand; every simulator accepts it.
      body: JSON.stringify({ reference: row.qr_code ?? row.redirect_url ?? row.provider_reference, outcome }),
    });
    const body = (await res.json()) as unknown;
    if (!res.ok) throw new Error(`simulator answered ${res.status}: ${JSON.stringify(body)}`);
    return body;
  } finally {
    await h.destroy();
  }
}

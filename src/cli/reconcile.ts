/**
 * `paygate reconcile --provider P --date YYYY-MM-DD [--account pa_…] [--json]`: asks the
 * running gateway to reconcile one account's bill (or every account of the provider) for a
 * day, waits for the runs, and prints what they found. Exit 0: clean; 1: differences found;
 * 2: a run failed or the request was wrong. On a terminal a progress bar shows the rows read,
 * and the result is a bar chart of the differences by class.
 */
import cliProgress from 'cli-progress';
import { admin, CliError, type GatewayTarget } from './client.js';

interface Run {
  id: string; provider: string; provider_account_id: string; day: string; status: 'running' | 'succeeded' | 'failed';
  rows_read: number; differences: Record<string, number>; differences_total: number; error: { code: string; message: string } | null;
}
interface Account { id: string; provider: string }
interface Page<T> { data: T[]; has_more: boolean }

const PROVIDERS = ['alipay', 'wechatpay', 'unionpay', 'paypal', 'stripe'];

export interface ReconcileOptions { provider?: string | undefined; date?: string | undefined; account?: string | undefined; json?: boolean | undefined }

async function accountsOf(t: GatewayTarget, provider: string): Promise<string[]> {
  const ids: string[] = [];
  for (let after = ''; ;) {
    const merchants = await admin<Page<{ id: string }>>(t, 'GET', `/admin/merchants?limit=100${after ? `&starting_after=${after}` : ''}`);
    for (const m of merchants.data) {
      const accounts = await admin<Page<Account>>(t, 'GET', `/admin/merchants/${m.id}/provider_accounts?limit=100`);
      ids.push(...accounts.data.filter((a) => a.provider === provider).map((a) => a.id));
    }
    if (!merchants.has_more || merchants.data.length === 0) return ids;
    after = merchants.data[merchants.data.length - 1]!.id;
  }
}

async function waitFor(t: GatewayTarget, id: string, onProgress: (r: Run) => void, pollMs: number): Promise<Run> {
  for (;;) {
    const run = await admin<Run>(t, 'GET', `/admin/reconciliation_runs/${id}`);
    onProgress(run);
    if (run.status !== 'running') return run;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** Differences by class as horizontal bars: a person takes in a chart faster than a table. */
export function differenceChart(counts: Record<string, number>, width = 30): string {
  const entries = Object.entries(counts).filter(([, n]) => n > 0);
  if (entries.length === 0) return '  no differences\n';
  const max = Math.max(...entries.map(([, n]) => n));
  const label = Math.max(...entries.map(([c]) => c.length));
  return entries.map(([c, n]) => `  ${c.padEnd(label)} ${'█'.repeat(Math.max(1, Math.round((n / max) * width)))} ${n}\n`).join('');
}

export async function reconcile(t: GatewayTarget, o: ReconcileOptions, out: NodeJS.WriteStream = process.stdout, pollMs = 300): Promise<number> {
  if (!o.provider || !PROVIDERS.includes(o.provider)) throw new CliError(`reconcile needs --provider, one of ${PROVIDERS.join(', ')}`, 2);
  if (!o.date || !/^\d{4}-\d{2}-\d{2}$/.test(o.date)) throw new CliError('reconcile needs --date YYYY-MM-DD (the provider\'s bill day)', 2);
  if (o.account !== undefined && !/^pa_[0-9a-z]{26}$/.test(o.account)) throw new CliError(`--account must be a provider account id (pa_…), got "${o.account}"`, 2);
  const accounts = o.account ? [o.account] : await accountsOf(t, o.provider);
  if (accounts.length === 0) throw new CliError(`no ${o.provider} provider account on this gateway; add one, or pass --account`, 2);
  const tty = out.isTTY === true && !o.json;
  const runs: Run[] = [];
  for (const account of accounts) {
    const started = await admin<Run>(t, 'POST', '/admin/reconciliation_runs', { provider_account_id: account, day: o.date });
    if (started.provider !== o.provider) throw new CliError(`account ${account} is a ${started.provider} account, not ${o.provider}`, 2);
    const bar = tty ? new cliProgress.SingleBar({ format: `${account} {bar} {value} rows`, hideCursor: true, stream: out }, cliProgress.Presets.shades_classic) : undefined;
    // The bill's size is unknown until it is read: the bar fills toward a moving target.
    bar?.start(1000, 0);
    const run = await waitFor(t, started.id, (r) => { if (bar) { bar.setTotal(Math.max(1000, r.rows_read * 2)); bar.update(r.rows_read); } }, pollMs);
    if (bar) { bar.setTotal(Math.max(1, run.rows_read)); bar.update(run.rows_read); bar.stop(); }
    runs.push(run);
    if (!o.json) {
      if (run.status === 'failed') out.write(`${account} ${o.date}: failed ${run.error?.code}: ${run.error?.message}\n`);
      else out.write(`${account} ${o.date}: ${run.rows_read} rows, ${run.differences_total} differences (run ${run.id})\n${differenceChart(run.differences)}`);
    }
  }
  if (o.json) out.write(`${JSON.stringify(runs.length === 1 ? runs[0] : runs)}\n`);
  if (runs.some((r) => r.status === 'failed')) return 2;
  return runs.some((r) => r.differences_total > 0) ? 1 : 0;
}

/**
 * Test and demo controls for the bills every simulator serves, one shape for all five:
 * per account and day, discrepancies to inject into the bill (so reconciliation has
 * something to find), a fault to break the file with (so its error paths can be shown), and
 * a synthetic bill of N generated trades that is streamed, never held in memory.
 *
 *   POST /_bills/discrepancies {account, date, kind, reference?, amount?, currency?, fee?}
 *   POST /_bills/faults        {account, date, fault}
 *   POST /_bills/synthetic     {account, date, rows}
 *   POST /_bills/reset         {}
 *
 * `account` is the provider's merchant identity the bill belongs to (Alipay app_id, WeChat
 * mchid, UnionPay merId, Stripe account id, PayPal client id); `date` is the provider's bill
 * day (yyyy-mm-dd). Controls live in memory: they are for tests and demos, not state.
 */
import type { FastifyInstance } from 'fastify';
import type { Readable } from 'node:stream';
import { z } from 'zod';
import { BillFileCache, type BuiltBill } from './bill-file-cache.js';

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'date must be yyyy-mm-dd');

const discrepancySchema = z.discriminatedUnion('kind', [
  /** A successful trade Paygate never created (another system on the same account). */
  z.object({ kind: z.literal('unknown_trade'), amount: z.number().int().positive().optional() }),
  /** The trade is left out of the bill (the provider has no record of it that day). */
  z.object({ kind: z.literal('drop_trade'), reference: z.string().min(1) }),
  /** The trade is listed with another amount (minor units). */
  z.object({ kind: z.literal('amount'), reference: z.string().min(1), amount: z.number().int().positive() }),
  /** The trade is listed in another currency (providers that bill several). */
  z.object({ kind: z.literal('currency'), reference: z.string().min(1), currency: z.string().regex(/^[A-Z]{3}$/) }),
  /** The trade is listed as not paid (WeChat REVOKED, a reversed capture, a failed charge). */
  z.object({ kind: z.literal('status'), reference: z.string().min(1) }),
  /** A refund row for the trade that Paygate does not have (or of another amount). */
  z.object({ kind: z.literal('refund'), reference: z.string().min(1), amount: z.number().int().positive() }),
  /** The trade's fee as listed (minor units). */
  z.object({ kind: z.literal('fee'), reference: z.string().min(1), fee: z.number().int() }),
  /** The trade is booked on the next day's bill instead (a payment near midnight). */
  z.object({ kind: z.literal('next_day'), reference: z.string().min(1) }),
]);

export type BillDiscrepancy = z.infer<typeof discrepancySchema>;

export const BILL_FAULTS = [
  'truncate', // the file is cut short (zip / gzip / pages end early)
  'hash_mismatch', // the bytes differ from the digest the provider signs (WeChat Pay)
  'encoding', // the text is UTF-8 where the provider writes GBK, or the reverse
  'bad_amount', // one row's amount is not a number
  'bad_date', // one row's date is not a date
  'header_changed', // a column is renamed
  'url_expired', // every download URL has already expired
  'no_bill', // the provider answers "no bill for that day"
  'oversize', // the file is padded far past any real bill
  'totals', // the summary disagrees with the rows
] as const;
export type BillFault = (typeof BILL_FAULTS)[number];

const faultSchema = z.object({ account: z.string().min(1), date: day, fault: z.enum(BILL_FAULTS) });
const syntheticSchema = z.object({ account: z.string().min(1), date: day, rows: z.number().int().min(1).max(10_000_000) });

interface DayControls {
  discrepancies: BillDiscrepancy[];
  fault?: BillFault;
  synthetic?: number;
}

export class BillControls {
  private readonly days = new Map<string, DayControls>();
  /** Built files of plain synthetic days (bill-file-cache.ts): generated once, served many times. */
  private readonly files = new BillFileCache();
  private prepare: ((account: string, date: string) => Promise<void>) | undefined;

  private day(account: string, date: string): DayControls {
    const key = `${account}|${date}`;
    let d = this.days.get(key);
    if (d === undefined) this.days.set(key, (d = { discrepancies: [] }));
    return d;
  }

  // Any change drops the account's built files: a next_day discrepancy changes the next day's bill too.
  addDiscrepancy(account: string, date: string, d: BillDiscrepancy): void { this.day(account, date).discrepancies.push(d); this.files.drop(`${account}|`); }
  setFault(account: string, date: string, fault: BillFault | undefined): void { this.day(account, date).fault = fault; this.files.drop(`${account}|`); }
  setSynthetic(account: string, date: string, rows: number): void { this.day(account, date).synthetic = rows; this.files.drop(`${account}|`); }
  reset(): void { this.days.clear(); this.files.drop(''); }

  /**
   * The built file of a synthetic day nothing else bends (no discrepancy, no fault, no trade
   * moved in from the day before), for one `variant` of the download; undefined for any other
   * day, whose bill is generated per request as before. `build` must give the same bytes the
   * per-request path would.
   */
  builtFile(account: string, date: string, variant: string, build: () => Readable): Promise<BuiltBill> | undefined {
    const d = this.days.get(`${account}|${date}`);
    if (d?.synthetic === undefined || d.discrepancies.length > 0 || d.fault !== undefined || this.movedFromPreviousDay(account, date).length > 0) return undefined;
    return this.files.file(`${account}|${date}|${variant}`, build);
  }

  /** Called (and awaited) by POST /_bills/synthetic: the simulator builds the day's file then, as a provider does after the day closes. */
  onSynthetic(prepare: (account: string, date: string) => Promise<void>): void { this.prepare = prepare; }

  /** Deletes the built files. */
  close(): Promise<void> { return this.files.close(); }

  discrepancies(account: string, date: string): readonly BillDiscrepancy[] { return this.days.get(`${account}|${date}`)?.discrepancies ?? []; }
  fault(account: string, date: string): BillFault | undefined { return this.days.get(`${account}|${date}`)?.fault; }
  /** Rows of the synthetic bill for that day, if one was asked for. */
  synthetic(account: string, date: string): number | undefined { return this.days.get(`${account}|${date}`)?.synthetic; }
  /** A `next_day` discrepancy of the day before moves its trade here; the source day drops it. */
  movedFromPreviousDay(account: string, date: string): string[] {
    const prev = new Date(Date.parse(`${date}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
    return this.discrepancies(account, prev).flatMap((d) => (d.kind === 'next_day' ? [d.reference] : []));
  }

  /** Mounts the four routes on a simulator. */
  register(app: FastifyInstance): void {
    const bad = (message: string) => ({ error: { code: 'INVALID_REQUEST', message } });
    app.post('/_bills/discrepancies', async (req, reply) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const where = z.object({ account: z.string().min(1), date: day }).safeParse(body);
      const what = discrepancySchema.safeParse(body);
      if (!where.success || !what.success) return reply.code(400).send(bad((where.error ?? what.error)!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')));
      this.addDiscrepancy(where.data.account, where.data.date, what.data);
      return reply.code(201).send({ ok: true });
    });
    app.post('/_bills/faults', async (req, reply) => {
      const p = faultSchema.safeParse(req.body ?? {});
      if (!p.success) return reply.code(400).send(bad(`fault must be one of ${BILL_FAULTS.join(', ')} with account and date`));
      this.setFault(p.data.account, p.data.date, p.data.fault);
      return reply.code(201).send({ ok: true });
    });
    app.post('/_bills/synthetic', async (req, reply) => {
      const p = syntheticSchema.safeParse(req.body ?? {});
      if (!p.success) return reply.code(400).send(bad('send {account, date, rows} with rows 1..10000000'));
      this.setSynthetic(p.data.account, p.data.date, p.data.rows);
      await this.prepare?.(p.data.account, p.data.date);
      return reply.code(201).send({ ok: true });
    });
    app.post('/_bills/reset', async () => {
      this.reset();
      return { ok: true };
    });
  }
}

/**
 * The n-th trade (0-based) of a synthetic bill, the same for simulators and the benchmark
 * that seeds Paygate's ledger to match: spread evenly over the day, amounts 1.00–99.99.
 */
export function syntheticTrade(date: string, n: number, rows: number, utcOffsetMinutes: number): {
  reference: string; providerTransactionId: string; amount: number; paidAt: number;
} {
  const compact = date.replace(/-/g, '');
  const from = Date.parse(`${date}T00:00:00Z`) - utcOffsetMinutes * 60_000;
  return {
    reference: `syn${compact}${String(n).padStart(8, '0')}`,
    providerTransactionId: `${compact}22001${String(n).padStart(11, '0')}`,
    amount: 100 + (n % 9900),
    paidAt: from + 1000 + Math.floor((n * (86_400_000 - 2000)) / rows),
  };
}

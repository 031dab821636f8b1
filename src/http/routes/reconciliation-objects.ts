/** Response schemas of the reconciliation admin API (app/reconciliation/representations.ts shapes them). */
import { z } from 'zod';
import { PROVIDERS } from '../../app/connectors.js';
import { DIFFERENCE_CLASSES, DIFFERENCE_STATUSES, RUN_STATUSES, RUN_TRIGGERS } from '../../domain/reconciliation.js';
import { list, named, time } from './objects.js';

const counts = z.partialRecord(z.enum(DIFFERENCE_CLASSES), z.number().int()).meta({ description: 'Differences by class (docs/reconciliation.md); classes without any are left out' });

export const reconciliationRunObject = named('ReconciliationRun', z.looseObject({
  id: z.string(), object: z.literal('reconciliation_run'), provider: z.enum(PROVIDERS), provider_account_id: z.string(), merchant_id: z.string(),
  day: z.string().meta({ description: 'The provider\'s bill day, yyyy-mm-dd in its time zone (Alipay, WeChat Pay, UnionPay: Asia/Shanghai; Stripe, PayPal: UTC)' }),
  window: z.looseObject({ from: time, to: time }).nullable().meta({ description: 'The day as instants: [from, to)' }),
  status: z.enum(RUN_STATUSES).meta({ description: 'running, then succeeded (the bill was read to its end and matched; there may be differences) or failed (see error; nothing of that execution was kept)' }),
  trigger: z.enum(RUN_TRIGGERS), executions: z.number().int().meta({ description: 'How many times this account and day were run; a re-run updates the same run and differences' }),
  rows_read: z.number().int().meta({ description: 'Bill rows read so far (progress while running)' }), rows_matched: z.number().int(),
  differences: counts, differences_total: z.number().int(),
  error: z.looseObject({ code: z.string(), message: z.string() }).nullable().meta({ description: 'Why the last execution failed: a RECON.* code (docs/errors.md)' }),
  started_at: time, finished_at: time.nullable(), created_at: time,
}), 'One reconciliation of one provider account\'s bill for one day');

export const reconciliationDifferenceObject = named('ReconciliationDifference', z.looseObject({
  id: z.string(), object: z.literal('reconciliation_difference'), run_id: z.string(),
  class: z.enum(DIFFERENCE_CLASSES), status: z.enum(DIFFERENCE_STATUSES).meta({ description: 'open: needs a look; repaired: Paygate settled it; resolved: gone on a later run or bill; reported: for an operator' }),
  payment_id: z.string().nullable(), attempt_id: z.string().nullable(), refund_id: z.string().nullable(),
  reference: z.string().nullable().meta({ description: 'Paygate\'s reference at the provider (out_trade_no, orderId, …)' }), provider_transaction_id: z.string().nullable(),
  expected: z.unknown().meta({ description: 'What Paygate has (status, amount, currency), or null for a trade it never created' }),
  actual: z.unknown().meta({ description: 'The bill\'s row (line, status, amount, currency, fee, occurred_at), or null when the bill does not list it' }),
  repair: z.unknown().meta({ description: 'What Paygate did about it and what came of it, or null' }),
  created_at: time, updated_at: time,
}), 'A difference between a provider\'s bill and Paygate\'s ledger');

export const reconciliationRunList = list('ReconciliationRunList', reconciliationRunObject);
export const reconciliationDifferenceList = list('ReconciliationDifferenceList', reconciliationDifferenceObject);
